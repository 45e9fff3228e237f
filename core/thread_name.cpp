#include "core/thread_name.hpp"

#include <pthread.h>

#include <string>

namespace brigade::core {

void name_this_thread(std::string_view name) {
  std::string cut(name.substr(0, 15));
  ::pthread_setname_np(::pthread_self(), cut.c_str());  // only fails for names over 15 bytes
}

}  // namespace brigade::core
