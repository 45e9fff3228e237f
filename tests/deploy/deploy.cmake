# The deployment files (systemd unit, compose file) work as written.
add_test(NAME deploy_files_work_as_written
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/deploy_files_test.sh ${PROJECT_SOURCE_DIR})
