// The configuration file: where it is, parsing it, unknown keys, and applying every table to the
// Config (typed reads with one-line errors).
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "config/loader.hpp"
#include "core/calendar.hpp"

namespace brigade::config::detail {

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number with a fraction";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "nothing";
  }
}

std::string as_string(const toml::node& n, const std::string& key) {
  if (!n.is_string()) fail(key, "expected a string, got " + type_name(n));
  return n.as_string()->get();
}

std::int64_t as_integer(const toml::node& n, const std::string& key) {
  if (!n.is_integer()) fail(key, "expected an integer, got " + type_name(n));
  return n.as_integer()->get();
}

bool as_bool(const toml::node& n, const std::string& key) {
  if (!n.is_boolean()) fail(key, "expected true or false, got " + type_name(n));
  return n.as_boolean()->get();
}

std::vector<std::string> as_string_array(const toml::node& n, const std::string& key) {
  if (!n.is_array()) fail(key, "expected an array of strings, got " + type_name(n));
  std::vector<std::string> out;
  std::size_t i = 0;
  for (const auto& item : *n.as_array()) {
    if (!item.is_string())
      fail(key + "[" + std::to_string(i) + "]", "expected a string, got " + type_name(item));
    out.push_back(item.as_string()->get());
    ++i;
  }
  return out;
}

// The file to read and the key naming where its path came from ("" for the implicit default).
std::optional<std::pair<fs::path, std::string>> Loader::resolve_file(
    std::optional<fs::path> explicit_file) const {
  if (explicit_file && !explicit_file->empty()) return std::pair{*explicit_file, std::string("--config")};
  if (auto v = env("BRIGADE_CONFIG")) return std::pair{fs::path(*v), std::string("BRIGADE_CONFIG")};
  fs::path def = "config/brigade.toml";
  std::error_code ec;
  if (fs::exists(def, ec)) return std::pair{def, std::string()};
  return std::nullopt;
}

toml::table Loader::parse_file(const fs::path& path, const std::string& origin) {
  const std::string key = origin.empty() ? path.string() : origin;
  std::error_code ec;
  auto st = fs::status(path, ec);
  // Not readable is not the same as not there: with DynamicUser=yes a root-only /etc/brigade is
  // the usual cause, and "file not found" would send the admin looking in the wrong place.
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
    fail(key, "cannot read " + quote(path.string()) + ": " + ec.message());
  if (!fs::exists(st)) fail(key, "file not found: " + quote(path.string()));
  if (fs::is_directory(st)) fail(key, quote(path.string()) + " is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(key, "cannot read " + quote(path.string()) + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(key, "cannot read " + quote(path.string()));
  try {
    return toml::parse(text.str(), path.string());
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    fail(path.string() + ":" + std::to_string(where.line) + ":" + std::to_string(where.column),
         std::string(e.description()));
  }
}

// Rejects secrets and unknown keys before reading any value, so a typo is never silently ignored.
void Loader::check_keys(const toml::table& t, const TableSchema& table) {
  for (const auto& [k, node] : t) {
    std::string key = dotted(table.name, k.str());
    if (auto s = secret_keys().find(key); s != secret_keys().end())
      fail(key, "secrets may only come from the environment (" + s->second + " or " + s->second + "_FILE)");
    if (table.name.empty() && find_table(k.str())) {
      if (!node.is_table()) fail(key, "expected a table ([" + key + "]), got " + type_name(node));
      check_keys(*node.as_table(), *find_table(k.str()));
      continue;
    }
    if (std::find(table.keys.begin(), table.keys.end(), k.str()) == table.keys.end())
      fail(key, "unknown key" + unknown_key_hint(table, k.str()));
  }
}

const toml::node* Loader::FileView::get(std::string_view table, std::string_view key) const {
  const toml::table* t = &root;
  if (!table.empty()) {
    const toml::node* tn = root.get(table);
    if (!tn) return nullptr;
    t = tn->as_table();
  }
  return t->get(key);
}

void Loader::apply_file(const toml::table& root, const std::pair<fs::path, std::string>&) {
  check_keys(root, schema().front());
  const FileView f{root};
  apply_top(f);
  apply_rules(f);
  apply_wins(f);
  apply_http_slack(f);
  apply_matrix(f);
  apply_console(f);
  apply_digest(f);
  apply_privacy(f);
  apply_sharing(f);
  apply_store(f);
  if (c_.rules.max_per_recipient != 0 && c_.rules.allowance != 0 &&
      c_.rules.max_per_recipient > c_.rules.allowance)
    fail("kudos.max_per_recipient", "is larger than kudos.allowance (" + std::to_string(c_.rules.allowance) +
                                        "), so it would never apply");
}

// data_dir, timezone, week_start, log_level, ca_file.
void Loader::apply_top(const FileView& f) {
  if (auto n = f.get("", "data_dir")) c_.data_dir = check_data_dir(as_string(*n, "data_dir"), "data_dir");
  if (auto n = f.get("", "timezone")) c_.timezone = check_timezone(as_string(*n, "timezone"), "timezone");
  if (auto n = f.get("", "week_start"))
    c_.week_start = parse_weekday(as_string(*n, "week_start"), "week_start");
  if (auto n = f.get("", "log_level"))
    c_.log_level = check_log_level(as_string(*n, "log_level"), "log_level");
  if (auto n = f.get("", "ca_file")) c_.ca_file = check_ca_file(as_string(*n, "ca_file"), "ca_file");
}

// kudos.allowance (or its older name daily_quota), allowance_period, max_per_recipient, undo_minutes.
void Loader::apply_allowance(const FileView& f) {
  auto& r = c_.rules;
  // kudos.daily_quota is the older name of kudos.allowance (per day): one of the two, not both.
  const auto quota = f.get("kudos", "daily_quota");
  const auto allowance = f.get("kudos", "allowance");
  if (quota && allowance)
    fail("kudos.daily_quota", "set kudos.allowance only (daily_quota is its older name)");
  if (quota)
    r.allowance = static_cast<std::uint32_t>(
        in_range(as_integer(*quota, "kudos.daily_quota"), 0, 1000, "kudos.daily_quota"));
  if (allowance)
    r.allowance = static_cast<std::uint32_t>(
        in_range(as_integer(*allowance, "kudos.allowance"), 0, 10000, "kudos.allowance"));
  if (auto n = f.get("kudos", "allowance_period")) {
    const auto p = as_string(*n, "kudos.allowance_period");
    if (p == "day")
      r.allowance_period = core::Period::day;
    else if (p == "week")
      r.allowance_period = core::Period::week;
    else if (p == "month")
      r.allowance_period = core::Period::month;
    else
      fail("kudos.allowance_period", "expected \"day\", \"week\" or \"month\", got " + quote(p));
    if (quota && p != "day")
      fail("kudos.daily_quota",
           "is a per-day allowance; with allowance_period = " + quote(p) + " set kudos.allowance instead");
  }
  if (auto n = f.get("kudos", "max_per_recipient"))
    r.max_per_recipient = static_cast<std::uint32_t>(
        in_range(as_integer(*n, "kudos.max_per_recipient"), 0, 10000, "kudos.max_per_recipient"));
  if (auto n = f.get("kudos", "undo_minutes"))
    r.undo_minutes = static_cast<std::uint32_t>(
        in_range(as_integer(*n, "kudos.undo_minutes"), 0, 1440, "kudos.undo_minutes"));
}

// [kudos] and [roles].
void Loader::apply_rules(const FileView& f) {
  auto& r = c_.rules;
  apply_allowance(f);
  if (auto n = f.get("kudos", "max_recipients"))
    r.max_recipients = static_cast<std::size_t>(
        in_range(as_integer(*n, "kudos.max_recipients"), 1, 50, "kudos.max_recipients"));
  if (auto n = f.get("kudos", "max_reason_length"))
    r.max_reason_length = static_cast<std::size_t>(
        in_range(as_integer(*n, "kudos.max_reason_length"), 1, 4000, "kudos.max_reason_length"));
  if (auto n = f.get("kudos", "values")) {
    r.values.clear();
    for (const auto& raw : as_string_array(*n, "kudos.values")) {
      std::string v = check_value(raw, "kudos.values");
      if (std::find(r.values.begin(), r.values.end(), v) != r.values.end())
        fail("kudos.values", quote(v) + " is listed twice");
      r.values.push_back(std::move(v));
    }
  }
  if (auto n = f.get("kudos", "values_required")) r.values_required = as_bool(*n, "kudos.values_required");

  for (std::string_view role : {"managers", "admins"}) {
    std::string key = dotted("roles", role);
    auto n = f.get("roles", role);
    if (!n) continue;
    auto ids = as_string_array(*n, key);
    for (const auto& id : ids)
      if (!valid_qualified_user(id))
        fail(key, quote(id) +
                      " is not a qualified user id (slack:TEAM:USER, matrix:@user:server or console:NAME)");
    (role == "managers" ? r.managers : r.admins) = std::move(ids);
  }
}

// [wins]: where each platform shares praise.
void Loader::apply_wins(const FileView& f) {
  auto& r = c_.rules;
  if (auto n = f.get("wins", "slack")) {
    auto v = as_string(*n, "wins.slack");
    if (!v.empty()) {
      check_no_space(v, "wins.slack", "a Slack channel id such as C0123WINS");
      r.wins_channel["slack"] = v;
    }
  }
  if (auto n = f.get("wins", "matrix")) {
    auto v = as_string(*n, "wins.matrix");
    if (!v.empty()) {
      if (!valid_matrix_room(v))
        fail("wins.matrix", quote(v) + " is not a Matrix room id or alias (!room:server or #alias:server)");
      r.wins_channel["matrix"] = v;
    }
  }
  if (auto n = f.get("wins", "console")) {
    auto v = as_string(*n, "wins.console");
    if (!v.empty()) {
      check_no_space(v, "wins.console", "a console channel name");
      r.wins_channel["console"] = v;
    }
  }
}

// [http] and [slack].
void Loader::apply_http_slack(const FileView& f) {
  if (auto n = f.get("http", "addr")) c_.http.addr = check_http_addr(as_string(*n, "http.addr"), "http.addr");
  if (f.get("http", "addr")) http_addr_key_ = "http.addr";

  if (auto n = f.get("slack", "api_url")) set_slack_api_url(as_string(*n, "slack.api_url"), "slack.api_url");
  if (auto n = f.get("slack", "reaction")) {
    std::string v(core::trim(as_string(*n, "slack.reaction")));
    if (v.size() >= 2 && v.front() == ':' && v.back() == ':') v = v.substr(1, v.size() - 2);
    check_no_space(v, "slack.reaction", "an emoji name such as raised_hands");
    if (v.find(':') != std::string::npos) fail("slack.reaction", quote(v) + " is not an emoji name");
    c_.slack.reaction = v;
  }
}

// [matrix].
void Loader::apply_matrix(const FileView& f) {
  auto& m = c_.matrix;
  if (auto n = f.get("matrix", "homeserver"))
    set_homeserver(as_string(*n, "matrix.homeserver"), "matrix.homeserver");
  if (auto n = f.get("matrix", "user_id")) set_user_id(as_string(*n, "matrix.user_id"), "matrix.user_id");
  if (auto n = f.get("matrix", "device_name")) {
    std::string v(core::trim(as_string(*n, "matrix.device_name")));
    if (v.empty() || has_control(v)) fail("matrix.device_name", "expected a non-empty name on one line");
    m.device_name = v;
  }
  if (auto n = f.get("matrix", "reaction")) {
    std::string v(core::trim(as_string(*n, "matrix.reaction")));
    if (v.empty() || has_control(v) || v.size() > 64)
      fail("matrix.reaction", "expected a short non-empty reaction key");
    m.reaction = v;
  }
  if (auto n = f.get("matrix", "private_replies")) {
    std::string v(core::trim(as_string(*n, "matrix.private_replies")));
    if (v != "reply" && v != "direct")
      fail("matrix.private_replies", quote(v) + " is not \"reply\" or \"direct\"");
    m.private_replies = v;
  }
  if (auto n = f.get("matrix", "autojoin_servers")) {
    m.autojoin_servers = as_string_array(*n, "matrix.autojoin_servers");
    for (const auto& s : m.autojoin_servers) {
      check_no_space(s, "matrix.autojoin_servers", "a server name such as example.org");
      if (s.find("://") != std::string::npos || s.find('/') != std::string::npos)
        fail("matrix.autojoin_servers", quote(s) + " is a URL; expected a server name such as example.org");
    }
  }
  if (auto n = f.get("matrix", "autojoin_rooms")) {
    m.autojoin_rooms = as_string_array(*n, "matrix.autojoin_rooms");
    for (const auto& s : m.autojoin_rooms)
      if (!valid_matrix_room(s))
        fail("matrix.autojoin_rooms",
             quote(s) + " is not a Matrix room id or alias (!room:server or #alias:server)");
  }
}

// [console].
void Loader::apply_console(const FileView& f) {
  auto& con = c_.console;
  if (auto n = f.get("console", "user")) {
    con.user = as_string(*n, "console.user");
    check_no_space(con.user, "console.user", "a console user name");
  }
  if (auto n = f.get("console", "channel")) {
    con.channel = as_string(*n, "console.channel");
    check_no_space(con.channel, "console.channel", "a console channel name");
  }
  if (auto n = f.get("console", "bots")) {
    con.bots = as_string_array(*n, "console.bots");
    for (const auto& b : con.bots) check_no_space(b, "console.bots", "a console user name");
  }
}

// [privacy].
void Loader::apply_privacy(const FileView& f) {
  if (auto n = f.get("privacy", "keep_reasons_days"))
    c_.privacy.keep_reasons_days = static_cast<std::uint32_t>(
        in_range(as_integer(*n, "privacy.keep_reasons_days"), 0, 36500, "privacy.keep_reasons_days"));
}

// [leaderboard] and [notify]: who sees a leaderboard, who hears about a kudos.
void Loader::apply_sharing(const FileView& f) {
  if (auto n = f.get("leaderboard", "public")) c_.rules.leaderboard_public = as_bool(*n, "leaderboard.public");
  if (auto n = f.get("notify", "recipient_dm")) c_.rules.recipient_dm = as_bool(*n, "notify.recipient_dm");
}

// [store]: url (BRIGADE_STORE overrides it), wait_seconds.
void Loader::apply_store(const FileView& f) {
  if (auto n = f.get("store", "url")) set_store(as_string(*n, "store.url"), "store.url");
  if (auto n = f.get("store", "wait_seconds"))
    c_.store.wait_seconds = static_cast<std::uint32_t>(in_range(as_integer(*n, "store.wait_seconds"), 0, 3600,
                                                                "store.wait_seconds"));
}

// [digest].
void Loader::apply_digest(const FileView& f) {
  auto& d = c_.digest;
  if (auto n = f.get("digest", "enabled")) d.enabled = as_bool(*n, "digest.enabled");
  if (auto n = f.get("digest", "day"))
    d.day = kWeekdays[static_cast<std::size_t>(parse_weekday(as_string(*n, "digest.day"), "digest.day"))];
  if (auto n = f.get("digest", "time"))
    d.time = check_clock_time(as_string(*n, "digest.time"), "digest.time");
  if (auto n = f.get("digest", "channels")) {
    d.channels = as_string_array(*n, "digest.channels");
    for (const auto& ch : d.channels) {
      bool qualified = (ch.rfind("slack:", 0) == 0 && ch.size() > 6) ||
                       (ch.rfind("matrix:", 0) == 0 && ch.size() > 7) ||
                       (ch.rfind("console:", 0) == 0 && ch.size() > 8);
      if (!qualified || has_space_or_control(ch))
        fail("digest.channels",
             quote(ch) +
                 " is not a qualified channel (slack:TEAM:CHANNEL, matrix:!room:server or console:NAME)");
    }
  }
}

}  // namespace brigade::config::detail
