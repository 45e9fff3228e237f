// Config-internal: the Loader, which reads the TOML file (loader_file.cpp), then the environment
// and secrets (loader.cpp), then checks the settings that depend on each other. Only config/'s
// source files include it.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <toml++/toml.h>

#include "config/detail.hpp"
#include "core/text.hpp"
#include "store/store.hpp"

namespace brigade::config::detail {

namespace fs = std::filesystem;

// Typed reads of TOML values; a wrong type is a one-line ConfigError naming the key.
std::string type_name(const toml::node& n);
std::string as_string(const toml::node& n, const std::string& key);
std::int64_t as_integer(const toml::node& n, const std::string& key);
bool as_bool(const toml::node& n, const std::string& key);
std::vector<std::string> as_string_array(const toml::node& n, const std::string& key);

struct Secret {
  std::string value;
  std::string key;  // the variable it came from (VAR or VAR_FILE), for messages
};

class Loader {
 public:
  explicit Loader(const Env& env) : env_(env) {}

  Config run(std::optional<fs::path> explicit_file) {
    auto user = env("USER");
    c_.console.user = user && !has_space_or_control(*user) ? *user : "you";

    if (auto file = resolve_file(std::move(explicit_file))) {
      apply_file(parse_file(file->first, file->second), *file);
      c_.source = file->first;
    }
    apply_env();
    read_secrets();
    check_combinations();
    return std::move(c_);
  }

 private:
  // A non-secret variable, trimmed; empty counts as unset.
  std::optional<std::string> env(const std::string& name) const {
    auto v = raw_env(name);
    if (!v) return std::nullopt;
    std::string t(core::trim(*v));
    if (t.empty()) return std::nullopt;
    return t;
  }

  std::optional<std::string> raw_env(const std::string& name) const {
    if (!env_) return std::nullopt;
    auto v = env_(name);
    if (!v || v->empty()) return std::nullopt;
    return v;
  }

  // The file to read and the key naming where its path came from ("" for the implicit default).
  std::optional<std::pair<fs::path, std::string>> resolve_file(std::optional<fs::path> explicit_file) const;

  static toml::table parse_file(const fs::path& path, const std::string& origin);

  // Rejects secrets and unknown keys before reading any value, so a typo is never silently ignored.
  static void check_keys(const toml::table& t, const TableSchema& table);

  void apply_file(const toml::table& root, const std::pair<fs::path, std::string>&);
  // The file's values, looked up as (table, key); table "" for the top-level keys.
  struct FileView {
    const toml::table& root;
    const toml::node* get(std::string_view table, std::string_view key) const;
  };
  // apply_file's parts, one or two tables each.
  void apply_top(const FileView& f);
  void apply_rules(const FileView& f);
  void apply_wins(const FileView& f);
  void apply_http_slack(const FileView& f);
  void apply_matrix(const FileView& f);
  void apply_console(const FileView& f);
  void apply_digest(const FileView& f);
  void apply_privacy(const FileView& f);
  void apply_sharing(const FileView& f);
  void apply_allowance(const FileView& f);
  void apply_store(const FileView& f);

  void set_slack_api_url(const std::string& raw, const std::string& key) {
    std::string url = check_http_url(raw, key);
    if (url.back() != '/') url += '/';  // method names are appended to it
    c_.slack.api_url = url;
  }

  void set_homeserver(const std::string& raw, const std::string& key) {
    std::string url = check_http_url(raw, key);
    while (!url.empty() && url.back() == '/') url.pop_back();  // API paths start with '/'
    c_.matrix.homeserver = url;
    homeserver_key_ = key;
  }

  // BRIGADE_STORE / store.url: a PostgreSQL URL or conninfo, or (environment only) a path, which
  // is the LMDB data directory.
  void set_store(const std::string& raw, const std::string& key) {
    std::string v(core::trim(raw));
    if (v.empty()) fail(key, "is empty");
    if (store::is_postgres_url(v)) {
      c_.store.url = v;
    } else if (v.find("://") != std::string::npos || key == "store.url") {
      fail(key, "must be a postgresql:// URL or a libpq conninfo (host=… dbname=…)");
    } else {
      c_.data_dir = check_data_dir(v, key);
      c_.store.url.clear();
    }
  }

  void set_user_id(const std::string& raw, const std::string& key) {
    std::string v(core::trim(raw));
    if (!valid_matrix_user_id(v)) fail(key, quote(v) + " is not a Matrix user id (@name:server)");
    c_.matrix.user_id = v;
    user_id_key_ = key;
  }

  void apply_env();

  // VAR or VAR_FILE (a path whose content, minus trailing line breaks, is the secret; this is how
  // Docker secrets and systemd credentials hand secrets over). Values are never trimmed otherwise:
  // a password may legitimately contain spaces.
  std::optional<Secret> secret(const std::string& var) const;

  void read_secrets();

  void check_combinations();

  const Env& env_;
  Config c_;
  std::string homeserver_key_ = "matrix.homeserver";
  std::string http_addr_key_ = "BRIGADE_HTTP_ADDR";
  std::string user_id_key_ = "matrix.user_id";
  std::string app_token_key_, bot_token_key_, access_token_key_, password_key_;
};

}  // namespace brigade::config::detail
