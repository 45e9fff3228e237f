// What went wrong talking to a chat platform, kept whole: the transport's error_code, the HTTP
// status, the platform's own error ("ratelimited", "M_LIMIT_EXCEEDED") and the wait the server
// asked for, in milliseconds. Slack's ApiAnswer and Matrix's Answer are this plus their body.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>

namespace brigade::net {

struct ClientError {
  std::error_code transport;         // set when no usable answer came: resolve, connect, TLS, timeout, reset
  int status = 0;                    // the HTTP status; 0 when no answer came
  std::string code;                  // the platform's error: Slack `error`, Matrix `errcode`
  std::int64_t retry_after_ms = -1;  // the server's Retry-After; -1 when it named none
  std::string message;               // log-safe words: the transport's, or the server's human text

  bool answered() const { return status != 0; }
  // "429 M_LIMIT_EXCEEDED: Too Many Requests", "no answer: connect slack.com:443: Connection refused"
  // (the words cut at 200 bytes).
  std::string describe() const;
};

// A transport failure with its code and log-safe words (never a token or a ticket).
ClientError transport_error(std::error_code ec, std::string message);

}  // namespace brigade::net
