// libpq, opened with dlopen when the first PostgreSQL connection is made instead of being linked.
// A linked libpq maps itself and everything it needs (Kerberos, LDAP, SASL, GnuTLS, p11-kit) into
// every bot at start: ~3 MB of file pages in the idle RSS of a bot that keeps its ledger in LMDB
// and never speaks to PostgreSQL (bench/README.md). The functions defined at the end have libpq's
// names and signatures (libpq-fe.h checks them), so store/pg/ calls libpq as it always did; each
// forwards to the library's own, found with dlsym.
#include <dlfcn.h>

#include <mutex>

#include "store/pg/pg.hpp"

// Every libpq function Brigade calls. A call to one not listed here fails to link.
#define BRIGADE_LIBPQ_FUNCTIONS(X)                                                                \
  X(PQclear) X(PQcmdTuples) X(PQconninfoFree) X(PQconninfoParse) X(PQconnectdbParams)             \
  X(PQconsumeInput) X(PQerrorMessage) X(PQexec) X(PQexecParams) X(PQexecPrepared) X(PQfinish)     \
  X(PQfreemem) X(PQgetResult) X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQnotifies)           \
  X(PQntuples) X(PQprepare) X(PQputCopyData) X(PQputCopyEnd) X(PQresultErrorField)               \
  X(PQresultErrorMessage) X(PQresultStatus) X(PQsetNoticeProcessor) X(PQsocket) X(PQstatus)       \
  X(PQtransactionStatus) X(PQunescapeBytea) X(PQenterPipelineMode) X(PQexitPipelineMode)          \
  X(PQpipelineSync) X(PQsendQueryParams) X(PQsendQueryPrepared)

namespace brigade::store::pg {
namespace {

struct Api {
#define BRIGADE_LIBPQ_POINTER(name) decltype(&::name) name = nullptr;
  BRIGADE_LIBPQ_FUNCTIONS(BRIGADE_LIBPQ_POINTER)
#undef BRIGADE_LIBPQ_POINTER
};

// Opens `soname` into `lib` and finds every function in it; "" when done (`lib` open), else what
// went wrong (`lib` closed or never opened).
std::string open_into(const char* soname, Api& api, void*& lib) {
  lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    return why != nullptr ? why : std::string("cannot open ") + soname;
  }
#define BRIGADE_LIBPQ_RESOLVE(name)                                    \
  api.name = reinterpret_cast<decltype(&::name)>(dlsym(lib, #name));  \
  if (api.name == nullptr) {                                          \
    dlclose(lib);                                                     \
    lib = nullptr;                                                    \
    return std::string(soname) + " has no function " #name;           \
  }
  BRIGADE_LIBPQ_FUNCTIONS(BRIGADE_LIBPQ_RESOLVE)
#undef BRIGADE_LIBPQ_RESOLVE
  return {};
}

Api api;
std::once_flag loaded;
std::string load_error;

}  // namespace

std::string probe_libpq(const char* soname) {
  Api scratch;
  void* lib = nullptr;
  auto error = open_into(soname, scratch, lib);
  if (lib != nullptr) dlclose(lib);
  return error;
}

void load_libpq() {
  // The handle is never closed: libpq stays loaded for the life of the process once it was needed.
  std::call_once(loaded, [] {
    void* lib = nullptr;
    load_error = open_into(kLibpqSoname, api, lib);
  });
  if (!load_error.empty())
    throw StoreError("PostgreSQL needs libpq (Debian 12: the libpq5 package), which could not be loaded: " +
                         load_error,
                     StoreError::Code::failed);
}

namespace {
// Every forwarder starts here, so no call can reach a pointer that was never filled.
const Api& loaded_api() {
  load_libpq();
  return api;
}
// The functions that free what libpq made never throw: if there is something to free, libpq was
// loaded to make it.
const Api& api_to_free() noexcept {
  return api;
}
}  // namespace

}  // namespace brigade::store::pg

using brigade::store::pg::api_to_free;
using brigade::store::pg::loaded_api;

extern "C" {

void PQclear(PGresult* res) {
  if (api_to_free().PQclear != nullptr) api_to_free().PQclear(res);
}
char* PQcmdTuples(PGresult* res) {
  return loaded_api().PQcmdTuples(res);
}
void PQconninfoFree(PQconninfoOption* opts) {
  if (api_to_free().PQconninfoFree != nullptr) api_to_free().PQconninfoFree(opts);
}
PQconninfoOption* PQconninfoParse(const char* conninfo, char** errmsg) {
  return loaded_api().PQconninfoParse(conninfo, errmsg);
}
PGconn* PQconnectdbParams(const char* const* keywords, const char* const* values, int expand_dbname) {
  return loaded_api().PQconnectdbParams(keywords, values, expand_dbname);
}
int PQconsumeInput(PGconn* conn) {
  return loaded_api().PQconsumeInput(conn);
}
char* PQerrorMessage(const PGconn* conn) {
  return loaded_api().PQerrorMessage(conn);
}
PGresult* PQexec(PGconn* conn, const char* query) {
  return loaded_api().PQexec(conn, query);
}
PGresult* PQexecParams(PGconn* conn, const char* command, int nParams, const Oid* paramTypes,
                       const char* const* paramValues, const int* paramLengths, const int* paramFormats,
                       int resultFormat) {
  return loaded_api().PQexecParams(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats,
                                   resultFormat);
}
PGresult* PQexecPrepared(PGconn* conn, const char* stmtName, int nParams, const char* const* paramValues,
                         const int* paramLengths, const int* paramFormats, int resultFormat) {
  return loaded_api().PQexecPrepared(conn, stmtName, nParams, paramValues, paramLengths, paramFormats,
                                     resultFormat);
}
void PQfinish(PGconn* conn) {
  if (api_to_free().PQfinish != nullptr) api_to_free().PQfinish(conn);
}
void PQfreemem(void* ptr) {
  if (api_to_free().PQfreemem != nullptr) api_to_free().PQfreemem(ptr);
}
PGresult* PQgetResult(PGconn* conn) {
  return loaded_api().PQgetResult(conn);
}
int PQgetisnull(const PGresult* res, int tup_num, int field_num) {
  return loaded_api().PQgetisnull(res, tup_num, field_num);
}
int PQgetlength(const PGresult* res, int tup_num, int field_num) {
  return loaded_api().PQgetlength(res, tup_num, field_num);
}
char* PQgetvalue(const PGresult* res, int tup_num, int field_num) {
  return loaded_api().PQgetvalue(res, tup_num, field_num);
}
PGnotify* PQnotifies(PGconn* conn) {
  return loaded_api().PQnotifies(conn);
}
int PQntuples(const PGresult* res) {
  return loaded_api().PQntuples(res);
}
PGresult* PQprepare(PGconn* conn, const char* stmtName, const char* query, int nParams, const Oid* paramTypes) {
  return loaded_api().PQprepare(conn, stmtName, query, nParams, paramTypes);
}
int PQputCopyData(PGconn* conn, const char* buffer, int nbytes) {
  return loaded_api().PQputCopyData(conn, buffer, nbytes);
}
int PQputCopyEnd(PGconn* conn, const char* errormsg) {
  return loaded_api().PQputCopyEnd(conn, errormsg);
}
char* PQresultErrorField(const PGresult* res, int fieldcode) {
  return loaded_api().PQresultErrorField(res, fieldcode);
}
char* PQresultErrorMessage(const PGresult* res) {
  return loaded_api().PQresultErrorMessage(res);
}
ExecStatusType PQresultStatus(const PGresult* res) {
  return loaded_api().PQresultStatus(res);
}
PQnoticeProcessor PQsetNoticeProcessor(PGconn* conn, PQnoticeProcessor proc, void* arg) {
  return loaded_api().PQsetNoticeProcessor(conn, proc, arg);
}
int PQsocket(const PGconn* conn) {
  return loaded_api().PQsocket(conn);
}
ConnStatusType PQstatus(const PGconn* conn) {
  return loaded_api().PQstatus(conn);
}
PGTransactionStatusType PQtransactionStatus(const PGconn* conn) {
  return loaded_api().PQtransactionStatus(conn);
}
int PQenterPipelineMode(PGconn* conn) {
  return loaded_api().PQenterPipelineMode(conn);
}
int PQexitPipelineMode(PGconn* conn) {
  return loaded_api().PQexitPipelineMode(conn);
}
int PQpipelineSync(PGconn* conn) {
  return loaded_api().PQpipelineSync(conn);
}
int PQsendQueryParams(PGconn* conn, const char* command, int nParams, const Oid* paramTypes,
                      const char* const* paramValues, const int* paramLengths, const int* paramFormats,
                      int resultFormat) {
  return loaded_api().PQsendQueryParams(conn, command, nParams, paramTypes, paramValues, paramLengths,
                                        paramFormats, resultFormat);
}
int PQsendQueryPrepared(PGconn* conn, const char* stmtName, int nParams, const char* const* paramValues,
                        const int* paramLengths, const int* paramFormats, int resultFormat) {
  return loaded_api().PQsendQueryPrepared(conn, stmtName, nParams, paramValues, paramLengths, paramFormats,
                                          resultFormat);
}
unsigned char* PQunescapeBytea(const unsigned char* strtext, size_t* retbuflength) {
  return loaded_api().PQunescapeBytea(strtext, retbuflength);
}

}  // extern "C"
