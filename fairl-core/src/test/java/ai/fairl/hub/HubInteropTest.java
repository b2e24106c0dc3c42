package ai.fairl.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our client reads a cache that Python's huggingface_hub wrote
 * (golden/hub/python_cache_manifest.json, made by tools/golden/hub_interop.py: every file and
 * symlink of that cache, recreated here).
 */
class HubInteropTest {
  @TempDir Path tmp;

  Path recreate() throws Exception {
    Path manifest =
        Paths.get(getClass().getResource("/golden/hub/python_cache_manifest.json").toURI());
    JsonObject m = JsonParser.parseString(Files.readString(manifest)).getAsJsonObject();
    Path cache = tmp.resolve("hub");
    for (var e : m.getAsJsonObject("entries").entrySet()) {
      Path p = cache.resolve(e.getKey());
      Files.createDirectories(p.getParent());
      JsonObject v = e.getValue().getAsJsonObject();
      if (v.has("link")) {
        Files.createSymbolicLink(p, Path.of(v.get("link").getAsString()));
      } else {
        Files.write(p, Base64.getDecoder().decode(v.get("b64").getAsString()));
      }
    }
    return cache;
  }

  static byte[] weights() {
    byte[] w = new byte[4096];
    for (int i = 0; i < w.length; i++) {
      w[i] = (byte) ((i * 7 + 3) % 256);
    }
    return w;
  }

  @Test
  void readsThePythonWrittenCacheOfflineAndOnlineWithoutDownloading() throws Exception {
    Path cache = recreate();
    HubClient offline = new HubClient(new HubSettings("http://127.0.0.1:9", cache, null, true));
    Path w = offline.download("acme/pytiny", RepoType.MODEL, null, "model.safetensors");
    assertArrayEquals(weights(), Files.readAllBytes(w));
    assertEquals(
        "{\"architectures\": [\"Qwen2ForCausalLM\"]}",
        Files.readString(
            offline.download("acme/pytiny", RepoType.MODEL, "main", "config.json"),
            StandardCharsets.UTF_8));
    // online: the Hub answers the same commit and etag, so only HEAD requests are made
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          log.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
          ex.getResponseHeaders().add("X-Repo-Commit", "fedcba9876543210fedcba9876543210fedcba98");
          ex.getResponseHeaders()
              .add(
                  "X-Linked-Etag",
                  "\"7486da8f1e13943fae21a0b043f1e99640d7d8ebafb25266478b5cddae1272b5\"");
          ex.getResponseHeaders().add("X-Linked-Size", "4096");
          ex.getResponseHeaders().add("Location", "http://localhost:1/cdn");
          ex.sendResponseHeaders(302, -1);
          ex.close();
        });
    server.start();
    try {
      String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
      Path again =
          new HubClient(new HubSettings(endpoint, cache, null, false))
              .download("acme/pytiny", RepoType.MODEL, null, "model.safetensors");
      assertEquals(w, again);
      assertEquals(List.of("HEAD /acme/pytiny/resolve/main/model.safetensors"), log);
    } finally {
      server.stop(0);
    }
    assertTrue(Files.isSymbolicLink(w));
  }
}
