// Linked into every test executable: creates spdlog's default logger on the main thread before
// main() runs. Debian's libspdlog is not built with ThreadSanitizer, so when a test's worker thread
// happened to log first, TSan could not see the library's one-time set-up as synchronised and
// reported the main thread's next log call as a race (DigestTest.TwoSchedulersRacingPostOnce).
#include <spdlog/spdlog.h>

namespace {
[[maybe_unused]] const bool kLoggerReady = (spdlog::default_logger(), true);
}  // namespace
