#pragma once
// Names the calling thread (what `top -H`, `ps -L` and /proc/PID/task/TID/comm show), so a profile
// or bench/slack_load can split the bot's CPU by part: the committer, the Slack I/O thread, …
// Linux keeps 15 bytes of it; longer names are cut.
#include <string_view>

namespace brigade::core {

void name_this_thread(std::string_view name);

}  // namespace brigade::core
