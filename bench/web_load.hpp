// Many keep-alive clients on one loopback HTTP server, for a fixed time: requests/s and latency
// percentiles of one route (bench/web_bench.cpp's --load mode; README.md "Web read path").
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace brigade::bench {

struct LoadResult {
  std::uint64_t answers = 0;  // complete 200 answers
  std::uint64_t shed = 0;      // 503 answers: the server's queue was full (web::ServerOptions::max_queued)
  std::uint64_t failures = 0;  // other non-200 answers, and connections lost (each one reconnects)
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::uint64_t bytes = 0;  // body bytes of the 200 answers
};

// `clients` connections to 127.0.0.1:port, each sending GET `target` again as soon as the last
// answer is read (HTTP/1.1 keep-alive), for `seconds` or until `*stop` (checked between
// requests); one thread drives them all.
LoadResult keepalive_load(std::uint16_t port, const std::string& target, std::size_t clients, double seconds,
                          const std::atomic<bool>* stop = nullptr);

// utime + stime of a process, in seconds (from /proc/PID/stat).
double cpu_seconds(int pid);

}  // namespace brigade::bench
