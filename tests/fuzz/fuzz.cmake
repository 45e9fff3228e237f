# Fuzz targets (tests/fuzz/<name>_fuzz.cpp). In the `fuzz` preset (clang, BRIGADE_FUZZ=ON) each is a
# libFuzzer binary build-fuzz/fuzz/fuzz_<name>; in every other build each is linked with a replay main
# and ctest runs it over tests/fuzz/corpus/<name> and tests/fuzz/crashes/<name>, so an input that
# once crashed, or any corpus input that starts failing, fails `make test`.
set(BRIGADE_FUZZ_DIR ${PROJECT_SOURCE_DIR}/tests/fuzz)
set(BRIGADE_FUZZ_TARGETS codec commands config slack matrix)
set(BRIGADE_FUZZ_LIBS_codec brigade_store)
set(BRIGADE_FUZZ_LIBS_commands brigade_commands brigade_store)
set(BRIGADE_FUZZ_LIBS_config brigade_config)
set(BRIGADE_FUZZ_LIBS_slack brigade_slack_logic)
set(BRIGADE_FUZZ_LIBS_matrix brigade_matrix_logic)

if(BRIGADE_FUZZ)
  add_custom_target(fuzz_targets)
endif()
foreach(t ${BRIGADE_FUZZ_TARGETS})
  set(inputs ${BRIGADE_FUZZ_DIR}/corpus/${t} ${BRIGADE_FUZZ_DIR}/crashes/${t})
  if(BRIGADE_FUZZ)
    set(exe fuzz_${t})
    add_executable(${exe} ${BRIGADE_FUZZ_DIR}/${t}_fuzz.cpp)
    target_link_options(${exe} PRIVATE -fsanitize=fuzzer)
    set_target_properties(${exe} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
    add_dependencies(fuzz_targets ${exe})
    # -runs=0: run every input once, no fuzzing (the sanitized twin of the replay below).
    add_test(NAME fuzz_replay_${t} COMMAND ${exe} -runs=0 ${inputs})
  else()
    set(exe fuzz_replay_${t})
    add_executable(${exe} ${BRIGADE_FUZZ_DIR}/${t}_fuzz.cpp ${BRIGADE_FUZZ_DIR}/replay_main.cpp)
    add_test(NAME fuzz_replay_${t} COMMAND ${exe} ${inputs})
  endif()
  target_link_libraries(${exe} PRIVATE ${BRIGADE_FUZZ_LIBS_${t}} brigade_commands Threads::Threads)
  set_tests_properties(fuzz_replay_${t} PROPERTIES LABELS fuzz TIMEOUT 120)
endforeach()
