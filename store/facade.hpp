// The Reader and Writer methods of store.hpp forwarded to a backend's ledger object (the LMDB
// Ledger, the PostgreSQL PgLedger), so each backend's transaction classes hold only what differs:
// how a transaction begins, nests, commits and ends. Store-internal.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace brigade::store {

template <class Base, class L>
class ReadFacade : public Base {
 public:
  std::vector<LeaderEntry> leaderboard(std::string_view channel, Period p, std::int32_t bucket,
                                       std::size_t limit) override {
    return tallies().leaderboard(channel, p, bucket, limit);
  }
  PersonCounts counts(std::string_view user, std::string_view channel, Period p,
                      std::int32_t bucket) override {
    return tallies().counts(user, channel, p, bucket);
  }
  Summary summary(const SummaryQuery& q) override { return ledger().summary(q); }
  std::uint32_t allowance_used(std::string_view giver, AllowanceSlot slot,
                               std::string_view recipient) override {
    return ledger().allowance_used(giver, slot, recipient);
  }
  std::optional<Kudos> kudos(std::uint64_t id) override { return ledger().kudos(id); }
  std::vector<Kudos> kudos_between(Millis from, Millis until, std::size_t limit, bool newest_first) override {
    return ledger().kudos_between(from, until, limit, newest_first);
  }
  std::uint64_t kudos_count() override { return ledger().kudos_count(); }
  std::optional<Kudos> kudos_numbered(std::uint32_t number) override {
    return ledger().kudos_numbered(number);
  }
  std::vector<Kudos> kudos_of(std::string_view user, Millis from, Millis until, std::size_t limit,
                              bool newest_first) override {
    return ledger().kudos_of(user, from, until, limit, newest_first);
  }
  std::optional<Ask> ask(std::uint64_t id) override { return ledger().ask(id); }
  std::vector<Ask> open_asks(std::string_view channel, std::size_t limit) override {
    return ledger().open_asks(channel, limit);
  }
  bool seen(std::string_view source) override { return ledger().seen(source); }
  std::vector<std::uint64_t> seen_kudos(std::string_view source) override {
    return ledger().seen_kudos(source);
  }
  std::vector<OutboxItem> outbox(std::size_t limit) override { return ledger().outbox(limit); }
  std::vector<OutboxItem> outbox_from(std::uint64_t first_seq, std::size_t limit) override {
    return ledger().outbox_from(first_seq, limit);
  }
  std::size_t outbox_depth() override { return ledger().outbox_depth(); }
  std::optional<std::string> cursor(std::string_view adapter) override { return ledger().cursor(adapter); }
  std::optional<std::string> meta(std::string_view key) override { return ledger().meta(key); }
  std::string name_of(std::string_view id) override { return ledger().name_of(id); }
  std::vector<std::string> ids_named(std::string_view name) override { return ledger().ids_named(name); }
  VerifyReport verify() override { return tallies().verify(); }
  PersonState person(std::string_view user) override { return ledger().person(user); }
  std::optional<PersonRecord> export_person(std::string_view user) override {
    return ledger().export_person(user);
  }
  std::vector<AuditEntry> audit(Millis since, std::size_t limit) override {
    return ledger().audit(since, limit);
  }
  AuditCheck verify_audit() override { return ledger().verify_audit(); }
  std::optional<std::string> message_ref(std::string_view tag) override { return ledger().message_ref(tag); }
  std::optional<std::string> message_tag(std::string_view ref) override { return ledger().message_tag(ref); }

 protected:
  virtual L& ledger() = 0;
  // The ledger with every queued tally change written, for queries that read tallies.
  virtual L& tallies() { return ledger(); }
};

// The write methods on top. `forget` goes through tallies(): it reads counts that must be current.
template <class L>
class WriteFacade : public ReadFacade<Writer, L> {
 public:
  std::uint64_t add_kudos(Kudos& k) override { return this->ledger().add_kudos(k); }
  bool revoke_kudos(std::uint64_t id, const Revocation& why, Period allowance) override {
    return this->ledger().revoke_kudos(id, why, allowance);
  }
  bool debit_allowance(std::string_view giver, AllowanceSlot slot, std::uint32_t n, std::uint32_t limit,
                       std::string_view recipient) override {
    return this->ledger().debit_allowance(giver, slot, n, limit, recipient);
  }
  void set_privacy(std::string_view user, Privacy p) override { this->ledger().set_privacy(user, p); }
  void set_gone(std::string_view user, bool gone) override { this->ledger().set_gone(user, gone); }
  std::string forget(std::string_view user) override { return this->tallies().forget(user); }
  std::size_t drop_reasons_before(Millis cutoff) override { return this->ledger().drop_reasons_before(cutoff); }
  std::uint64_t append_audit(AuditEntry& e) override { return this->ledger().append_audit(e); }
  void set_message_ref(std::string_view tag, std::string_view ref, Millis ts) override {
    this->ledger().set_message_ref(tag, ref, ts);
  }
  std::uint64_t add_ask(Ask& a) override { return this->ledger().add_ask(a); }
  void put_ask(const Ask& a) override { this->ledger().put_ask(a); }
  bool claim_seen(std::string_view source, Millis ts) override { return this->ledger().claim_seen(source, ts); }
  void mark_seen(std::string_view source, Millis ts, const std::vector<std::uint64_t>& kudos_ids) override {
    this->ledger().mark_seen(source, ts, kudos_ids);
  }
  std::size_t prune_seen(Millis older_than) override { return this->ledger().prune_seen(older_than); }
  std::uint64_t enqueue(std::string_view adapter, const core::Reply& r) override {
    return this->ledger().enqueue(adapter, r);
  }
  void outbox_done(std::uint64_t seq) override { this->ledger().outbox_done(seq); }
  void outbox_retry(std::uint64_t seq, std::uint32_t attempts, Millis not_before) override {
    this->ledger().outbox_retry(seq, attempts, not_before);
  }
  void set_cursor(std::string_view adapter, std::string_view token) override {
    this->ledger().set_cursor(adapter, token);
  }
  void set_meta(std::string_view key, std::string_view value) override { this->ledger().set_meta(key, value); }
  void set_name(std::string_view id, std::string_view name) override { this->ledger().set_name(id, name); }

};

}  // namespace brigade::store
