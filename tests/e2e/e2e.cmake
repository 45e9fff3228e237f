# End-to-end tests run the real binary; they must be built after it.
# The console and admin ones run again on PostgreSQL (<name>_postgresql: a throwaway cluster from
# tests/support/with_postgres.sh); the backup and damaged-file ones are about LMDB's files.
brigade_add_test(e2e_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/console_e2e_test.cpp
                 LIBS brigade_pg_test nlohmann_json::nlohmann_json)
add_dependencies(e2e_tests brigade)

# A damaged data file: every command refuses with one line, never a crash or a new ledger.
brigade_add_test(damaged_store_e2e_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/damaged_store_e2e_test.cpp)
add_dependencies(damaged_store_e2e_tests brigade)

# `brigade admin …` beside a running console bot; /kudos undo and privacy end to end.
brigade_add_test(admin_e2e_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/admin_e2e_test.cpp
                 LIBS brigade_pg_test nlohmann_json::nlohmann_json)
add_dependencies(admin_e2e_tests brigade)

foreach(t e2e_tests admin_e2e_tests)
  add_test(NAME ${t}_postgresql COMMAND ${PROJECT_SOURCE_DIR}/tests/support/with_postgres.sh $<TARGET_FILE:${t}>)
  set_tests_properties(${t}_postgresql PROPERTIES LABELS "postgresql;threaded" TIMEOUT 600)
endforeach()

# Backups and restores beside a running bot; the test reads the restore's audit entry from the store.
brigade_add_test(backup_e2e_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/backup_e2e_test.cpp
                 LIBS brigade_store nlohmann_json::nlohmann_json LABELS threaded)
add_dependencies(backup_e2e_tests brigade)
