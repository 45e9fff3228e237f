// libpq calls behind store/pg/pg.hpp, and the mapping of SQLSTATE classes to StoreError codes.
#include "store/pg/pg.hpp"

#include <atomic>
#include <cstring>

#include "store/stats.hpp"

namespace brigade::store::pg {

namespace {

using Code = StoreError::Code;

// What a caller can do about a failure, from its SQLSTATE (PostgreSQL's appendix A).
Code code_of(std::string_view state) {
  if (state.size() != 5) return Code::failed;
  const auto cls = state.substr(0, 2);
  if (cls == "08" || cls == "57" || cls == "40") return Code::failed;  // connection, shutdown, retry
  if (cls == "53") return Code::full;                                  // disk full, out of memory
  if (cls == "22" || cls == "23") return Code::invalid;                // bad data, constraint
  if (cls == "XX") return Code::damaged;                               // data_corrupted, index_corrupted
  if (cls == "25") return Code::misuse;                                // invalid transaction state
  return Code::failed;
}

// Every connection's traffic, for store::database_traffic().
std::atomic<std::uint64_t> all_statements{0};
std::atomic<std::uint64_t> all_round_trips{0};

std::string first_line(const char* msg) {
  std::string s = msg != nullptr ? msg : "";
  auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s;
}

}  // namespace

// ---- Conn --------------------------------------------------------------------------------------

Conn::Conn(const std::string& conninfo, const std::string& password) {
  load_libpq();
  // expand_dbname: "dbname" carries the whole conninfo, whose values override earlier keywords
  // (a URL's own application_name wins) and are overridden by later ones (the password).
  // A server that does not answer must not hang the committer, unless the URL says otherwise:
  // connecting gives up after 5 s; a connection whose server went silent (host gone, no RST) is
  // dropped after 15 s with data unacknowledged (tcp_user_timeout) or ~25 s idle (keepalives),
  // instead of the kernel's quarter of an hour, and the statement fails as `failed`.
  std::vector<const char*> keys = {"application_name", "connect_timeout", "keepalives",      "keepalives_idle",
                                   "keepalives_interval", "keepalives_count", "tcp_user_timeout", "dbname"};
  std::vector<const char*> vals = {"brigade", "5", "1", "10", "5", "3", "15000", conninfo.c_str()};
  if (!password.empty()) {
    keys.push_back("password");
    vals.push_back(password.c_str());
  }
  keys.push_back(nullptr);
  vals.push_back(nullptr);
  c_ = PQconnectdbParams(keys.data(), vals.data(), 1);
  if (c_ == nullptr || PQstatus(c_) != CONNECTION_OK) {
    std::string why = c_ != nullptr ? first_line(PQerrorMessage(c_)) : "out of memory";
    if (c_ != nullptr) PQfinish(c_);
    c_ = nullptr;
    throw StoreError("cannot connect to PostgreSQL at " + describe_target(conninfo) + ": " + why,
                     Code::failed);
  }
  PQsetNoticeProcessor(c_, [](void*, const char*) {}, nullptr);  // NOTICEs are not errors
}

Conn::~Conn() {
  if (c_ != nullptr) PQfinish(c_);
}

bool Conn::ok() const {
  return c_ != nullptr && !broken_ && PQstatus(c_) == CONNECTION_OK;
}

void Conn::fail(PGresult* r, std::string_view sql) {
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = r != nullptr ? first_line(PQresultErrorMessage(r)) : first_line(PQerrorMessage(c_));
  if (msg.empty()) msg = first_line(PQerrorMessage(c_));
  Code code = state != nullptr ? code_of(state) : Code::failed;
  if (PQstatus(c_) != CONNECTION_OK) code = Code::failed;
  std::string what = "PostgreSQL: " + msg;
  if (state != nullptr) what += std::string(" [") + state + "]";
  auto head = sql.substr(0, std::min<std::size_t>(sql.size(), 60));
  what += " (in: " + std::string(head) + (sql.size() > 60 ? "…)" : ")");
  if (r != nullptr) PQclear(r);
  throw StoreError(what, code);
}

void Conn::waited(std::size_t statements) {
  ++round_trips_;
  all_statements.fetch_add(statements, std::memory_order_relaxed);
  all_round_trips.fetch_add(1, std::memory_order_relaxed);
}

const std::string* Conn::statement(const std::string& text, const Params& p) {
  if (!prepare_) return nullptr;
  auto it = prepared_.find(text);
  if (it != prepared_.end()) return &it->second;
  if (prepared_.size() >= kMaxPrepared) return nullptr;
  // A Parse queued behind a statement that fails would be skipped, leaving a name that names
  // nothing: a new text is prepared alone, after what was sent (first use on this connection only).
  if (pipeline_) end_pipeline();
  std::string fresh = "brigade_" + std::to_string(prepared_.size() + 1);
  waited(1);
  PGresult* made = PQprepare(c_, fresh.c_str(), text.c_str(), p.size(), nullptr);
  const auto st = made != nullptr ? PQresultStatus(made) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK) fail(made, text);
  PQclear(made);
  return &prepared_.emplace(text, std::move(fresh)).first->second;
}

void Conn::queue(const std::string& text, const std::string* name, const Params& p) {
  if (!pipeline_) {
    if (PQenterPipelineMode(c_) != 1) fail(nullptr, text);
    pipeline_ = true;
  }
  const int ok = name != nullptr
                     ? PQsendQueryPrepared(c_, name->c_str(), p.size(), p.values(), p.lengths(), p.formats(), 0)
                     : PQsendQueryParams(c_, text.c_str(), p.size(), nullptr, p.values(), p.lengths(),
                                         p.formats(), 0);
  if (ok != 1) {
    drop_sent();
    fail(nullptr, text);
  }
  sent_.push_back(text);
}

Result Conn::end_pipeline() {
  std::vector<std::string> sent;
  sent.swap(sent_);
  waited(sent.size());
  const bool synced = PQpipelineSync(c_) == 1;
  PGresult* error = nullptr;  // the first failure, kept to be thrown
  std::size_t error_at = 0;
  Result last;
  // Each statement's answer is one result and a nullptr; the Sync's is PGRES_PIPELINE_SYNC alone.
  // A statement after a failed one answers PGRES_PIPELINE_ABORTED. A lost connection answers
  // nothing more (nullptr), which ends the reading.
  bool lost = !synced;
  for (std::size_t i = 0; i < sent.size() && !lost; ++i) {
    PGresult* r = PQgetResult(c_);
    if (r == nullptr) {
      lost = true;
      break;
    }
    const auto st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
      if (i + 1 == sent.size())
        last = Result(r);
      else
        PQclear(r);
    } else if (st != PGRES_PIPELINE_ABORTED && error == nullptr) {
      error = r;
      error_at = i;
    } else {
      PQclear(r);
    }
    while (PGresult* more = PQgetResult(c_)) PQclear(more);
  }
  if (!lost) {
    PGresult* s = PQgetResult(c_);
    lost = s == nullptr || PQresultStatus(s) != PGRES_PIPELINE_SYNC;
    if (s != nullptr) PQclear(s);
  }
  if (!lost && PQexitPipelineMode(c_) != 1) lost = true;
  pipeline_ = false;
  broken_ = broken_ || lost;  // answers may still be on their way: never use it again
  if (error != nullptr) fail(error, sent[error_at]);
  if (lost) fail(nullptr, sent.empty() ? std::string_view("(pipeline)") : std::string_view(sent.back()));
  return last;
}

void Conn::drop_sent() noexcept {
  if (!pipeline_) return;
  try {
    end_pipeline();
  } catch (const StoreError&) {
    // Undone by the rollback that follows; a lost connection shows in ok().
  }
}

Result Conn::exec(std::string_view sql, const Params& p) {
  const std::string text(sql);
  const std::string* name = statement(text, p);
  if (pipeline_) {
    queue(text, name, p);
    return end_pipeline();
  }
  waited(1);
  PGresult* r = name != nullptr
                    ? PQexecPrepared(c_, name->c_str(), p.size(), p.values(), p.lengths(), p.formats(), 0)
                    : PQexecParams(c_, text.c_str(), p.size(), nullptr, p.values(), p.lengths(), p.formats(), 0);
  const auto st = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(r, sql);
  return Result(r);
}

void Conn::send(std::string_view sql, const Params& p) {
  if (sent_.size() >= kMaxSent) end_pipeline();
  const std::string text(sql);
  queue(text, statement(text, p), p);
}

void Conn::run(std::string_view sql) {
  const std::string text(sql);
  if (pipeline_) {
    // In a pipeline a query string holds one statement (the extended protocol).
    if (text.find(';') == std::string::npos) {
      queue(text, nullptr, Params());
      end_pipeline();
      return;
    }
    end_pipeline();
  }
  waited(1);  // a script counts as one statement
  PGresult* r = PQexec(c_, text.c_str());
  const auto st = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(r, sql);
  PQclear(r);
}

// ---- conninfo ----------------------------------------------------------------------------------

std::string describe_target(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    if (err != nullptr) PQfreemem(err);
    return "(an unreadable connection string)";
  }
  std::string host, port, db;
  for (auto* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (std::strcmp(o->keyword, "host") == 0) host = o->val;
    if (std::strcmp(o->keyword, "hostaddr") == 0 && host.empty()) host = o->val;
    if (std::strcmp(o->keyword, "port") == 0) port = o->val;
    if (std::strcmp(o->keyword, "dbname") == 0) db = o->val;
  }
  PQconninfoFree(opts);
  if (host.empty()) {
    const char* env = std::getenv("PGHOST");
    host = env != nullptr ? env : "the local socket";
  }
  if (port.empty()) {
    const char* env = std::getenv("PGPORT");
    if (env != nullptr) port = env;
  }
  std::string out = host;
  if (!port.empty()) out += ":" + port;
  if (!db.empty()) out += "/" + db;
  return out;
}

}  // namespace brigade::store::pg

namespace brigade::store {

DatabaseTraffic database_traffic() {
  return {pg::all_statements.load(std::memory_order_relaxed), pg::all_round_trips.load(std::memory_order_relaxed)};
}

}  // namespace brigade::store
