#pragma once
// Names the calling thread (what `top -H`, `ps -L` and /proc/PID/task/TID/comm show), so a profile
// or bench/slack_load can split the bot's CPU by part: the committer, the Slack I/O thread, …
// Linux keeps 15 bytes of it; longer names are cut.
#include <string_view>

namespace brigade::core {

void name_this_thread(std::string_view name);

// Lowers the calling thread's scheduling priority to `nice` (0 = normal, 19 = lowest): the kernel
// then gives it the CPU only after the threads at a higher priority, so work that can wait (the web
// server) does not slow the chat path when both want the same cores. Linux applies nice per thread.
// Lowering needs no privilege; a failure is ignored (the thread just keeps its priority).
void lower_this_thread_priority(int nice);

}  // namespace brigade::core
