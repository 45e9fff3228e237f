// The console adapter: commands typed on stdin, replies printed on stdout. For trying Brigade
// locally, for demos and for end-to-end tests that pipe commands in.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bot/adapter.hpp"
#include "core/types.hpp"

namespace brigade::console {

struct Options {
  std::string user = "you";                     // who is typing (changed with /as NAME)
  std::string channel = "general";              // where (changed with /channel NAME)
  std::vector<std::string> bots = {"brigade"};  // names that are bots (thanking them is refused)
};

// Result of reading one input line.
struct Line {
  enum class Kind { command, meta, empty, quit };
  Kind kind = Kind::empty;
  core::Event event;     // for commands
  std::string response;  // for meta lines: what to print
};

class ConsoleAdapter final : public bot::Adapter {
 public:
  ConsoleAdapter(std::ostream& out, Options opt);

  std::string_view name() const override { return "console"; }
  void deliver(const store::OutboxItem& item, bot::DeliveryDone done) override;

  // Turns a typed line into an event (`/thanks @bob …` or `!thanks @bob …`) or handles
  // console-only commands: /as NAME, /channel NAME, /whoami, /help, /quit.
  Line parse_line(std::string_view line);
  std::string prompt() const;
  const Options& options() const { return opt_; }

  static core::UserRef user_ref(std::string_view name, const std::vector<std::string>& bots);
  static std::string qualify_channel(std::string_view name) { return "console:" + std::string(name); }

 private:
  std::optional<std::string> console_command(const std::string& word, std::string_view rest);
  core::Event command_event(const std::string& word, std::string_view rest);

  std::ostream& out_;
  std::mutex out_mu_;
  Options opt_;
  std::string session_;  // makes source ids unique per process
  std::uint64_t line_no_ = 0;
};

// Reads lines from `in` until EOF or /quit. `apply` records a command and shows its replies.
void run_repl(std::istream& in, std::ostream& out, ConsoleAdapter& adapter, bool interactive,
              const std::function<void(core::Event)>& apply);

}  // namespace brigade::console
