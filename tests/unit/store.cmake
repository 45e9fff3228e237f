# Store tests: real LMDB in scratch directories. The crash test runs store_crash_writer as a
# separate process and kills it with SIGKILL mid-write.
# The same tests run on PostgreSQL too (store_tests_postgresql): tests/support/with_postgres.sh
# starts a throwaway cluster and sets BRIGADE_TEST_STORE=postgresql, which tests/support/pg_test.hpp
# turns into a schema per scratch directory. LMDB-only tests skip themselves there.
add_library(brigade_pg_test STATIC ${PROJECT_SOURCE_DIR}/tests/support/pg_test.cpp)
target_link_libraries(brigade_pg_test PUBLIC brigade_store PRIVATE brigade_libpq_headers)

add_executable(store_crash_writer ${CMAKE_CURRENT_LIST_DIR}/store_crash_writer.cpp)
target_link_libraries(store_crash_writer PRIVATE brigade_store)

brigade_add_test(store_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_open_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_records_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_tally_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_summary_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_txn_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_txn_memo_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_crash_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_trust_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_pg_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_pg_pipeline_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/store_copy_test.cpp
  LIBS brigade_store brigade_pg_test PkgConfig::LMDB brigade_libpq_headers LABELS threaded)
target_compile_definitions(store_tests PRIVATE BRIGADE_STORE_CRASH_WRITER="$<TARGET_FILE:store_crash_writer>")
add_dependencies(store_tests store_crash_writer)
add_test(NAME store_tests_postgresql
         COMMAND ${PROJECT_SOURCE_DIR}/tests/support/with_postgres.sh $<TARGET_FILE:store_tests>)
set_tests_properties(store_tests_postgresql PROPERTIES LABELS "postgresql;threaded" TIMEOUT 600)

# libpq is opened only when the ledger is in PostgreSQL (store/pg/libpq.cpp). Linked, it would map
# itself and Kerberos, LDAP and GnuTLS into every LMDB bot again (~3 MB of idle RSS).
add_test(NAME brigade_does_not_link_libpq
         COMMAND sh -c "readelf -d \"$1\" | grep NEEDED | grep -q libpq && { echo \"$1 links libpq\" >&2; exit 1; }; exit 0"
                 sh $<TARGET_FILE:brigade>)

# The record codec alone, on hostile bytes (regressions from tests/fuzz/codec_fuzz.cpp).
brigade_add_test(codec_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/codec_test.cpp LIBS brigade_store)

# Backups and restores (store/backup.hpp): a hot copy under a streaming writer, tampered and cut
# copies refused, the swap, the data directory lock; store_crash_writer is the other process.
# LMDB only: no PostgreSQL run (its backups are pg_dump's).
brigade_add_test(store_backup_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_backup_test.cpp
  LIBS brigade_store brigade_pg_test PkgConfig::LMDB LABELS threaded)
target_compile_definitions(store_backup_tests PRIVATE BRIGADE_STORE_CRASH_WRITER="$<TARGET_FILE:store_crash_writer>")
add_dependencies(store_backup_tests store_crash_writer)
