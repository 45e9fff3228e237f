# End-to-end tests run the real binary; they must be built after it.
brigade_add_test(e2e_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/console_e2e_test.cpp
                 LIBS nlohmann_json::nlohmann_json)
add_dependencies(e2e_tests brigade)

# A damaged data file: every command refuses with one line, never a crash or a new ledger.
brigade_add_test(damaged_store_e2e_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/damaged_store_e2e_test.cpp)
add_dependencies(damaged_store_e2e_tests brigade)

# `brigade admin …` beside a running console bot; /kudos undo and privacy end to end.
brigade_add_test(admin_e2e_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/admin_e2e_test.cpp
                 LIBS nlohmann_json::nlohmann_json)
add_dependencies(admin_e2e_tests brigade)

# Backups and restores beside a running bot; the test reads the restore's audit entry from the store.
brigade_add_test(backup_e2e_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/backup_e2e_test.cpp
                 LIBS brigade_store nlohmann_json::nlohmann_json LABELS threaded)
add_dependencies(backup_e2e_tests brigade)
