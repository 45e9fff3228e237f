// Entry point: everything lives in the libraries; see app/cli.cpp.
#include "app/cli.hpp"

int main(int argc, char** argv) {
  return brigade::app::main_cli(argc, argv);
}
