# brigade_asio: what every target that compiles Asio or Beast needs, written once. Link it (it is an
# INTERFACE target, nothing is built) instead of repeating these flags. brigade_net links it PUBLIC,
# so whatever links brigade_net (the adapters, the web server, the app, the fakes) has the same
# definitions in every translation unit, which the precompiled header they share (REUSE_FROM
# brigade_net) requires too.
find_package(Boost 1.81 EXACT REQUIRED)
find_package(Threads REQUIRED)

add_library(brigade_asio INTERFACE)
target_link_libraries(brigade_asio INTERFACE Boost::headers Threads::Threads)
# Asio and Beast are header-only here; no deprecated interfaces keeps every TU consistent and lighter.
target_compile_definitions(brigade_asio INTERFACE BOOST_ASIO_NO_DEPRECATED)
# g++ 12 reports asio's coroutine-frame allocator as a mismatched new/delete: a known false positive.
target_compile_options(brigade_asio INTERFACE $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>)
