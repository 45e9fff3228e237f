// Entry point: everything lives in the libraries; see bot/cli.cpp.
#include "bot/cli.hpp"

int main(int argc, char** argv) {
  return brigade::bot::main_cli(argc, argv);
}
