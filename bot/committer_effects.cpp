// What an adapter may write (bot/adapter_effects.hpp), as a Committer task: revocations, people
// gone and back, its meta, notices said once, its cursor.
#include "bot/committer.hpp"
#include "commands/corrections.hpp"

#include <spdlog/spdlog.h>

namespace brigade::bot {

void Committer::submit(AdapterEffects effects, TaskDone done) {
  submit(effects_task(std::move(effects)), std::move(done));
}

void Committer::submit_batch(std::vector<core::Event> events, AdapterEffects then, BatchDone done) {
  submit_batch(std::move(events), effects_task(std::move(then)), std::move(done));
}

Committer::Task Committer::effects_task(AdapterEffects e) {
  return [this, e = std::move(e)](store::Writer& w) {
    for (const auto& source : e.revoke_sources) {
      // The giver removed the reaction (Slack) or deleted the message or reaction (Matrix): the
      // same correction path as /kudos undo, by the giver, at the time it was noticed.
      const auto ids = w.seen_kudos(source);
      if (ids.empty()) continue;
      const auto first = w.kudos(ids.front());
      store::Revocation why;
      why.ts = clock_.now_ms();
      why.how = source.rfind("slack:", 0) == 0 ? store::RevokeHow::reaction : store::RevokeHow::redacted;
      why.by = first ? first->giver : std::string();
      auto tb = commands::take_back(w, rules_, store_.calendar(), ids, why);
      for (auto id : tb.taken) spdlog::info("kudos {} taken back ({} was withdrawn)", id, source);
      for (const auto& reply : tb.replies) w.enqueue(commands::reply_adapter(reply), reply);
    }
    for (const auto& user : e.gone) w.set_gone(user, true);
    for (const auto& user : e.back) w.set_gone(user, false);
    for (const auto& [key, value] : e.meta) w.set_meta(key, value);
    for (const auto& n : e.notices) {
      if (w.meta(n.once_key)) continue;
      w.set_meta(n.once_key, "announced");
      w.enqueue(n.adapter, n.reply);
    }
    if (e.cursor) w.set_cursor(e.cursor->first, e.cursor->second);
  };
}

}  // namespace brigade::bot
