// Thread names and priorities: what `ps -L`, profiles and bench/slack_load's per-thread rows read.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <thread>

#include "core/thread_name.hpp"

namespace brigade::core {
namespace {

int my_nice() {
  errno = 0;
  const int n = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
  EXPECT_EQ(errno, 0);
  return n;
}

TEST(ThreadName, NamesTheCallingThreadCutTo15Bytes) {
  std::string seen;
  std::thread([&] {
    name_this_thread("a-very-long-thread-name");
    char buf[32] = {};
    ::pthread_getname_np(::pthread_self(), buf, sizeof buf);
    seen = buf;
  }).join();
  EXPECT_EQ(seen, "a-very-long-thr");
}

TEST(ThreadName, LowersOnlyTheCallingThreadsPriorityAndNeverRaisesIt) {
  const int before = my_nice();
  int inside = 0, again = 0;
  std::thread([&] {
    lower_this_thread_priority(before + 5);
    inside = my_nice();
    lower_this_thread_priority(before + 1);  // a request to go back up is ignored
    again = my_nice();
  }).join();
  EXPECT_EQ(inside, std::min(before + 5, 19));
  EXPECT_EQ(again, inside);
  EXPECT_EQ(my_nice(), before);  // this thread kept its own
}

}  // namespace
}  // namespace brigade::core
