// Schema migrations, one step each, run by Store::open inside its opening transaction.
#include "store/ledger.hpp"

namespace brigade::store {

using codec::key32;
using codec::key64;
using lmdb::val;
using lmdb::view;

// Schema 2 numbers every kudos (K1, K2, … in id order, which is time order), records a legacy
// correction for each one already taken back, and re-keys daily quotas as day allowances.
void Ledger::migrate_1_to_2() {
  need_write("migrate");
  std::uint32_t number = 0;
  std::vector<std::pair<std::uint64_t, std::string>> rewrites;
  {
    lmdb::Cursor c(txn_, db(kKudos));
    MDB_val k, d;
    for (bool ok = c.get(k, d, MDB_FIRST); ok; ok = c.get(k, d, MDB_NEXT)) {
      const auto id = codec::read64(view(k), "kudos key");
      auto r = codec::decode_kudos(id, view(d));
      r.number = ++number;
      rewrites.emplace_back(id, codec::reencode_kudos(id, r));
      if (r.revoked) {
        codec::CorrectionRec legacy;
        legacy.how = RevokeHow::legacy;
        const auto idk = key64(id);
        db(kCorrect).put(txn_, val(idk), val(codec::encode_correction(legacy)));
      }
    }
  }
  for (const auto& [id, rec] : rewrites) {
    const auto idk = key64(id);
    db(kKudos).put(txn_, val(idk), val(rec));
    const auto r = codec::decode_kudos(id, rec);
    const auto nk = key32(r.number);
    db(kNumbers).put(txn_, val(nk), val(idk), MDB_NOOVERWRITE);
  }
  put_meta(kMetaKudosSeq, std::to_string(number));

  std::vector<std::pair<std::string, std::string>> quota;  // old key, value
  {
    lmdb::Cursor c(txn_, db(kQuota));
    MDB_val k, d;
    for (bool ok = c.get(k, d, MDB_FIRST); ok; ok = c.get(k, d, MDB_NEXT))
      if (view(k).size() == 8) quota.emplace_back(std::string(view(k)), std::string(view(d)));
  }
  for (const auto& [old, count] : quota) {
    db(kQuota).del(txn_, val(old));
    const auto giver = codec::get_be32(old.data());
    const auto day = codec::unorder_i32(codec::get_be32(old.data() + 4));
    const auto key = codec::allowance_key(giver, static_cast<std::uint8_t>(Period::day), day);
    db(kQuota).put(txn_, val(codec::allowance_view(key, false)), val(count));
  }
}

// Schema 3 drops the count-ordered rank index: leaderboards sort a scope's received counters when
// they are read, and every counter change no longer moves an index entry too. The table stays
// (empty) so the database list is the same for every schema.
void Ledger::migrate_2_to_3() {
  need_write("migrate");
  close_cursors();  // a cached rank cursor would point into the dropped tree
  db(kRank).clear(txn_);
}

// Schema 4 keeps fewer counters per kudos: week, month and all time (a quarter or a year sums its
// months when read), and in a channel only what people received. The tallies are rebuilt from the
// log, which drops the quarter, year and channel-given counters schema 3 kept.
void Ledger::migrate_3_to_4() { rebuild_tallies(); }

}  // namespace brigade::store
