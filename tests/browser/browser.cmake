# The dashboard in headless Chromium (Debian's chromium, driven by playwright-core from npm).
# `make test` installs both (deploy/packages-test.txt, npm ci here); the test says what is
# missing when run without them. brigade_browser_seed writes, through the store API, a revoked
# kudos and a hidden person into the ledger before the bot opens it.
add_executable(brigade_browser_seed ${CMAKE_CURRENT_LIST_DIR}/seed_trust.cpp)
target_link_libraries(brigade_browser_seed PRIVATE brigade_store)
find_program(BRIGADE_NODE node)
if(NOT BRIGADE_NODE OR NOT TARGET brigade)
  return()
endif()
add_test(NAME browser_dashboard
         COMMAND ${BRIGADE_NODE} ${CMAKE_CURRENT_LIST_DIR}/dashboard_test.js $<TARGET_FILE:brigade>
                 $<TARGET_FILE:brigade_browser_seed> ${PROJECT_BINARY_DIR}/browser)
set_tests_properties(browser_dashboard PROPERTIES TIMEOUT 120 LABELS browser)
