# Store tests: real LMDB in scratch directories. The crash test runs store_crash_writer as a
# separate process and kills it with SIGKILL mid-write.
add_executable(store_crash_writer ${CMAKE_CURRENT_LIST_DIR}/store_crash_writer.cpp)
target_link_libraries(store_crash_writer PRIVATE brigade_store)

brigade_add_test(store_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_open_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_records_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_tally_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_summary_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_txn_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_crash_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_trust_test.cpp
  LIBS brigade_store PkgConfig::LMDB LABELS threaded)
target_compile_definitions(store_tests PRIVATE BRIGADE_STORE_CRASH_WRITER="$<TARGET_FILE:store_crash_writer>")
add_dependencies(store_tests store_crash_writer)

# The record codec alone, on hostile bytes (regressions from tests/fuzz/codec_fuzz.cpp).
brigade_add_test(codec_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/codec_test.cpp LIBS brigade_store)

# Backups and restores (store/backup.hpp): a hot copy under a streaming writer, tampered and cut
# copies refused, the swap, the data directory lock; store_crash_writer is the other process.
brigade_add_test(store_backup_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_backup_test.cpp
  LIBS brigade_store PkgConfig::LMDB LABELS threaded)
target_compile_definitions(store_backup_tests PRIVATE BRIGADE_STORE_CRASH_WRITER="$<TARGET_FILE:store_crash_writer>")
add_dependencies(store_backup_tests store_crash_writer)
