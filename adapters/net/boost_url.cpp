// Boost.URL's implementation, compiled once for the Matrix adapter (percent-encoding of ids).
#include <boost/url/src.hpp>
