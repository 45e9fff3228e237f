// The weekly digest (see digest.hpp).
#include "bot/digest.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <future>
#include <set>

#include "core/text.hpp"

namespace brigade::bot {

namespace {

constexpr std::array<std::string_view, 7> kDays = {"sunday",   "monday", "tuesday", "wednesday",
                                                   "thursday", "friday", "saturday"};

int weekday_index(std::string_view name) {
  for (std::size_t i = 0; i < kDays.size(); ++i)
    if (kDays[i] == name) return static_cast<int>(i);
  return 5;  // friday: config::load only lets valid names through
}

// "HH:MM" (config::load checks the form) → minutes after midnight; 16:00 if it is not that.
int minute_of_day(std::string_view hhmm) {
  auto colon = hhmm.find(':');
  int h = 0, m = 0;
  auto number = [](std::string_view s, int& out, int max) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size() && out >= 0 && out <= max;
  };
  if (colon == std::string_view::npos || !number(hhmm.substr(0, colon), h, 23) ||
      !number(hhmm.substr(colon + 1), m, 59))
    return 16 * 60;
  return h * 60 + m;
}

std::string display(store::Reader& r, const std::string& id) {
  auto n = r.name_of(id);
  if (!n.empty()) return n;
  auto colon = id.rfind(':');
  return colon == std::string::npos ? id : id.substr(colon + 1);
}

}  // namespace

core::Millis digest_due(const core::Calendar& cal, const config::DigestConfig& cfg, core::Millis now) {
  auto week = cal.range(core::Period::week, cal.bucket(core::Period::week, now));
  std::int32_t first = cal.day(week.from);
  int offset = (weekday_index(cfg.day) - cal.week_start() + 7) % 7;
  return cal.at(first + offset, minute_of_day(cfg.time));
}

std::string digest_key(const std::string& channel, std::int32_t week) {
  return "digest:" + channel + ":" + std::to_string(week);
}

core::Reply digest_reply(store::Reader& r, const core::Calendar& cal, const std::string& channel,
                         std::int32_t week) {
  auto range = cal.range(core::Period::week, week);
  std::vector<store::Kudos> kudos;
  for (auto& k : r.kudos_between(range.from, range.until, 0))
    if (k.channel == channel && !k.revoked) kudos.push_back(std::move(k));
  // People who chose to be hidden (or left) are counted but never named in a digest.
  auto shown_person = [&r](const std::string& id) { return r.person(id).ranked(); };
  core::BodyBuilder b;
  b.text("📅 This week in recognition (" + cal.label(core::Period::week, week) + "): ");
  if (kudos.empty()) {
    b.text("no kudos here yet. Who helped you this week? Tell them: /thanks @name for …");
  } else {
    b.text(std::to_string(kudos.size()) + (kudos.size() == 1 ? " kudos." : " kudos."));
    auto top = r.leaderboard(channel, core::Period::week, week, 3);
    if (!top.empty()) {
      b.text("\n🏆 Most recognised: ");
      for (std::size_t i = 0; i < top.size(); ++i) {
        if (i) b.text(", ");
        b.mention(top[i].user, top[i].name.empty() ? display(r, top[i].user) : top[i].name);
        b.text(" (" + std::to_string(top[i].count) + ")");
      }
    }
    std::set<std::uint64_t> asks;
    for (const auto& k : kudos)
      if (k.kind == store::Kind::help && k.ask != 0) asks.insert(k.ask);
    std::size_t shown = 0;
    for (auto id : asks) {
      auto a = r.ask(id);
      if (!a || shown == 3) continue;
      if (shown++ == 0) b.text("\n🤝 Help requests resolved: " + std::to_string(asks.size()));
      b.text("\n  #" + std::to_string(a->id) + " " + std::string(core::utf8_truncate(a->text, 80)) + " — ");
      std::size_t named = 0;
      for (const auto& helper : a->helpers) {
        if (!shown_person(helper)) continue;
        if (named++) b.text(", ");
        b.mention(helper, display(r, helper));
      }
      if (named == 0) b.text("thanks to the helpers");
    }
    std::size_t quotes = 0;
    for (auto it = kudos.rbegin(); it != kudos.rend() && quotes < 3; ++it) {
      if (it->reason.empty() || !shown_person(it->giver) || !shown_person(it->recipient)) continue;
      if (quotes++ == 0) b.text("\n💬 What people said:");
      b.text("\n  “" + std::string(core::utf8_truncate(it->reason, 140)) + "” — ");
      b.mention(it->giver, display(r, it->giver));
      b.text(" to ");
      b.mention(it->recipient, display(r, it->recipient));
    }
  }
  core::Reply reply;
  reply.audience = core::Audience::channel;
  reply.channel = channel;
  reply.body = b.take();
  reply.ping = false;  // a summary: nobody is notified
  return reply;
}

DigestScheduler::DigestScheduler(const config::DigestConfig& cfg, store::Store& store, Committer& committer,
                                 const core::Clock& clock)
    : cfg_(cfg), store_(store), committer_(committer), clock_(clock) {}

DigestScheduler::~DigestScheduler() {
  stop();
}

std::size_t DigestScheduler::tick() {
  if (!cfg_.enabled) return 0;
  const auto& cal = store_.calendar();
  auto now = clock_.now_ms();
  if (now < digest_due(cal, cfg_, now)) return 0;
  auto week = cal.bucket(core::Period::week, now);
  std::size_t queued = 0;
  for (const auto& channel : cfg_.channels) {
    auto key = digest_key(channel, week);
    if (store_.read()->meta(key)) continue;
    auto platform = std::string(core::platform_of(channel));
    auto done = std::make_shared<std::promise<bool>>();
    auto fut = done->get_future();
    auto posted = std::make_shared<bool>(false);
    committer_.submit(
        [key, channel, week, platform, posted, &cal](store::Writer& w) {
          if (w.meta(key)) return;  // another tick got there first
          w.enqueue(platform, digest_reply(w, cal, channel, week));
          w.set_meta(key, "queued");
          *posted = true;
        },
        [done](bool ok) { done->set_value(ok); });
    if (fut.get() && *posted) {
      ++queued;
      spdlog::info("digest: queued the weekly digest for {} ({})", channel,
                   cal.label(core::Period::week, week));
    }
  }
  return queued;
}

void DigestScheduler::start() {
  if (!cfg_.enabled) return;
  thread_.start("digest", std::chrono::seconds(20), [this] {
    try {
      tick();
    } catch (const std::exception& e) {
      spdlog::error("digest: {}", e.what());
    }
  });
}

void DigestScheduler::stop() {
  thread_.stop();
}

}  // namespace brigade::bot
