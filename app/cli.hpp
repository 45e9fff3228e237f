// The command line: parses arguments, loads configuration, dispatches to a mode.
#pragma once

namespace brigade::app {

// Exit status: 0 ok, 2 bad usage or bad config (one line naming the key), 1 runtime failure.
int main_cli(int argc, char** argv);

}  // namespace brigade::app
