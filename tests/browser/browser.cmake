# The dashboard in headless Chromium (Debian's chromium, driven by playwright-core from npm).
# `make test` installs both (deploy/packages-test.txt, npm ci here); the test says what is
# missing when run without them.
find_program(BRIGADE_NODE node)
if(NOT BRIGADE_NODE OR NOT TARGET brigade)
  return()
endif()
add_test(NAME browser_dashboard
         COMMAND ${BRIGADE_NODE} ${CMAKE_CURRENT_LIST_DIR}/dashboard_test.js $<TARGET_FILE:brigade>
                 ${PROJECT_BINARY_DIR}/browser)
set_tests_properties(browser_dashboard PROPERTIES TIMEOUT 120 LABELS browser)
