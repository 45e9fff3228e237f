# Layering rules as tests: commands and core never include network, JSON or LMDB headers;
# store.hpp keeps LMDB out of its public interface.
add_test(NAME layering_commands_and_core_are_pure
         COMMAND sh -c "! grep -rnE '#include <(boost|nlohmann|lmdb|spdlog|toml)' ${PROJECT_SOURCE_DIR}/commands ${PROJECT_SOURCE_DIR}/core")
add_test(NAME layering_store_interface_hides_lmdb
         COMMAND sh -c "! grep -nE '#include <(lmdb|boost|nlohmann)' ${PROJECT_SOURCE_DIR}/store/store.hpp")
# The folder graph: no folder includes one above it (tests/unit/include_graph.txt, written once).
add_test(NAME layering_include_graph
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/include_graph_test.sh ${PROJECT_SOURCE_DIR})
# Test code stays out of the product: nothing the brigade binary is built from includes testkit/ or
# tests/ (app/ may include anything by the graph, so this says it for app/ too).
add_test(NAME layering_testkit_stays_out_of_the_product
         COMMAND sh -c "! grep -rnE '#include \"(testkit|tests)/' ${PROJECT_SOURCE_DIR}/core ${PROJECT_SOURCE_DIR}/store ${PROJECT_SOURCE_DIR}/commands ${PROJECT_SOURCE_DIR}/config ${PROJECT_SOURCE_DIR}/bot ${PROJECT_SOURCE_DIR}/adapters ${PROJECT_SOURCE_DIR}/web ${PROJECT_SOURCE_DIR}/app")
# Adapters reach the store only through bot::AdapterState (reads) and AdapterEffects on the
# committer (changes): no store::Store, Reader or Writer, and no raw committer tasks.
add_test(NAME layering_adapters_never_hold_the_store
         COMMAND sh -c "! grep -rnE 'store::(Store|Reader|Writer)\\b|Committer::Task|#include \"store/' ${PROJECT_SOURCE_DIR}/adapters")
# Adapters wait for what they wait for (net::Wakeup, timers), never in fixed polling sleeps.
add_test(NAME layering_adapters_do_not_poll
         COMMAND sh -c "! grep -rnE 'sleep\\((std::chrono::)?milliseconds\\([0-9]+\\)\\)|sleep_for' ${PROJECT_SOURCE_DIR}/adapters")
# Numbers from outside are parsed with a checked parser (std::from_chars and a range), never with
# the atoi family, whose out-of-range result is undefined.
add_test(NAME layering_no_unchecked_number_parsing
         COMMAND sh -c "! grep -rnE '(^|[^_a-z])(std::)?ato(i|l|ll)\\(' ${PROJECT_SOURCE_DIR}/core ${PROJECT_SOURCE_DIR}/store ${PROJECT_SOURCE_DIR}/commands ${PROJECT_SOURCE_DIR}/config ${PROJECT_SOURCE_DIR}/bot ${PROJECT_SOURCE_DIR}/adapters ${PROJECT_SOURCE_DIR}/web ${PROJECT_SOURCE_DIR}/app")
# No source file over 400 lines and no function over 60 lines, in every folder with sources.
add_test(NAME layering_source_size COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/source_size_test.sh ${PROJECT_SOURCE_DIR})
