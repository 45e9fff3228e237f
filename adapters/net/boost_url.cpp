// Boost.URL's implementation, compiled once (Debian ships it header-only in libboost1.81-dev):
// percent-encoding for Matrix ids, query strings for the web API.
#include <boost/url/src.hpp>
