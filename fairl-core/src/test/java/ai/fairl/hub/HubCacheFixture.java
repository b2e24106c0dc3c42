package ai.fairl.hub;

import java.nio.file.Path;

/**
 * Writes a Hub cache with this project's client (from {@link HubClientTest}'s local Hub) into the
 * folder given as the first argument, for tools/golden/hub_interop.py to read with Python's
 * huggingface_hub. Run: {@code java -cp <test classpath> ai.fairl.hub.HubCacheFixture OUT_DIR}.
 */
public final class HubCacheFixture {
  private HubCacheFixture() {}

  public static void main(String[] args) throws Exception {
    HubClientTest t = new HubClientTest();
    t.tmp = Path.of(args[0]);
    t.start();
    try {
      HubClient c = t.client(false, null);
      ModelSource.resolve("acme/tiny", c);
      System.out.println(
          "wrote " + t.tmp.resolve("hf/hub") + ", model.safetensors sha256 " + t.weightsSha);
    } finally {
      t.stop();
    }
  }
}
