# `brigade report` and the admin commands, called as functions on a ledger written by the test
# (the e2e tests run the same through the binary).
brigade_add_test(app_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/app_report_test.cpp
  LIBS brigade_app brigade_pg_test PkgConfig::LMDB brigade_libpq_headers)
