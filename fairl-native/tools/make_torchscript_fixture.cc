// Writes the TorchScript fixture of the op suite (fairl-core/src/test/resources/ai/fairl/engine/
// scripted.pt): a module with one parameter `weight` = [1, 2], forward(x) = x * weight + 1,
// twice(x) = 2 * x, and an extra file meta.txt = "fairl". Built with libtorch 1.13 so that every
// later libtorch (stock DJL's 2.7.1, PyTorch 2.11) can load it.
// Build: g++ -std=c++17 make_torchscript_fixture.cc -I/usr/include/torch/csrc/api/include \
//          -ltorch -ltorch_cpu -lc10 -o make_fixture && ./make_fixture scripted.pt
#include <ATen/ATen.h>
#include <torch/csrc/jit/api/module.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_fixture <out.pt>\n";
    return 2;
  }
  torch::jit::Module m("FairlFixture");
  m.register_parameter("weight", at::tensor({1.0f, 2.0f}), false);
  m.define(R"JIT(
def forward(self, x):
    return x * self.weight + 1.0

def twice(self, x):
    return x * 2.0
)JIT");
  torch::jit::ExtraFilesMap extra{{"meta.txt", "fairl"}};
  m.save(argv[1], extra);
  std::cout << "wrote " << argv[1] << "\n";
  return 0;
}
