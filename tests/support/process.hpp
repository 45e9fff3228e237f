// Runs build/brigade (or any program) as a child process with piped stdio and deadlines.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace brigade::testing {

class Child {
 public:
  using Clock = std::chrono::steady_clock;

  Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {}) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
      throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);

    std::map<std::string, std::string> vars;
    for (char** e = environ; *e; ++e) {
      std::string kv(*e);
      auto eq = kv.find('=');
      if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : env) {
      if (v.empty())
        vars.erase(k);  // an empty value means "unset"
      else
        vars[k] = v;
    }
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : vars) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp, args;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_copy = argv;
    for (auto& s : argv_copy) args.push_back(s.data());
    args.push_back(nullptr);

    int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) throw std::runtime_error(std::string("spawn failed: ") + std::strerror(rc));
    stdin_ = in[1];
    stdout_ = out[0];
    stderr_ = err[0];
    fcntl(stdout_, F_SETFL, O_NONBLOCK);
    fcntl(stderr_, F_SETFL, O_NONBLOCK);
  }

  ~Child() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
    for (int fd : {stdin_, stdout_, stderr_})
      if (fd >= 0) ::close(fd);
  }

  void write(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      auto n = ::write(stdin_, s.data() + off, s.size() - off);
      if (n <= 0) throw std::runtime_error("write to child stdin failed");
      off += static_cast<std::size_t>(n);
    }
  }

  void close_stdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }

  // Reads until stdout contains `needle` (counting from the start) or the deadline passes.
  bool wait_for_output(const std::string& needle,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto until = Clock::now() + timeout;
    while (out_.find(needle) == std::string::npos) {
      if (!pump(until)) return out_.find(needle) != std::string::npos;
    }
    return true;
  }

  // The same for stderr (where the bot logs).
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto until = Clock::now() + timeout;
    while (err_.find(needle) == std::string::npos) {
      if (!pump(until)) return err_.find(needle) != std::string::npos;
    }
    return true;
  }

  // Waits for exit; kills the child if it outlives the deadline. Returns the exit code
  // (128 + signal when killed by a signal).
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto until = Clock::now() + timeout;
    while (!status_) {
      pump(std::min(until, Clock::now() + std::chrono::milliseconds(50)));
      int st;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        break;
      }
      if (Clock::now() >= until) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &st, 0);
        status_ = 128 + SIGKILL;
        timed_out_ = true;
      }
    }
    while (pump(Clock::now() + std::chrono::milliseconds(20))) {
    }
    return *status_;
  }

  void signal(int sig) { ::kill(pid_, sig); }
  bool timed_out() const { return timed_out_; }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  pid_t pid() const { return pid_; }

 private:
  // One poll round; false when both pipes are closed or the deadline passed.
  bool pump(Clock::time_point until) {
    pollfd fds[2] = {{stdout_, POLLIN, 0}, {stderr_, POLLIN, 0}};
    int n_open = (stdout_ >= 0) + (stderr_ >= 0);
    if (n_open == 0) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) return false;
    int rc = ::poll(fds, 2, static_cast<int>(left));
    if (rc <= 0) return false;
    char buf[65536];
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? stdout_ : stderr_;
      if (fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      auto n = ::read(fd, buf, sizeof buf);
      if (n > 0)
        (i == 0 ? out_ : err_).append(buf, static_cast<std::size_t>(n));
      else if (n == 0) {
        ::close(fd);
        fd = -1;
      }
    }
    return true;
  }

  pid_t pid_ = -1;
  int stdin_ = -1, stdout_ = -1, stderr_ = -1;
  std::string out_, err_;
  std::optional<int> status_;
  bool timed_out_ = false;
};

inline std::string brigade_binary() {
  std::string path = BRIGADE_BINARY_DIR;  // appended, not operator+: g++ 12 warns on that (falsely)
  path += "/brigade";
  return path;
}

}  // namespace brigade::testing
