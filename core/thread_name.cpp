#include "core/thread_name.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace brigade::core {

void name_this_thread(std::string_view name) {
  std::string cut(name.substr(0, 15));
  ::pthread_setname_np(::pthread_self(), cut.c_str());  // only fails for names over 15 bytes
}

void lower_this_thread_priority(int nice) {
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int now = ::getpriority(PRIO_PROCESS, tid);
  if (errno == 0 && now < nice) ::setpriority(PRIO_PROCESS, tid, nice);
}

}  // namespace brigade::core
