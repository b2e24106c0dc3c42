package ai.fairl.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's reward, compiled from source into a jar that core never sees at build time, loaded by
 * class name through a URLClassLoader exactly as {@code --classpath} adds it.
 */
class LocalRewardTest {
  @TempDir static Path tmp;
  static URLClassLoader loader;

  static final String SOURCE =
      """
      package com.acme;

      import java.util.List;
      import java.util.Map;

      public final class MyRewards implements ai.fairl.reward.RewardFunction {
        private final double bonus;

        public MyRewards(Map<String, Object> kwargs) {
          this.bonus = ((Number) kwargs.getOrDefault("bonus", 0)).doubleValue();
        }

        @Override
        public double[] score(List<String> p, List<String> c, List<Map<String, Object>> cols) {
          double[] out = new double[c.size()];
          for (int i = 0; i < out.length; i++) {
            out[i] = c.get(i).length() + bonus;
          }
          return out;
        }

        @Override
        public String name() {
          return "length_bonus";
        }

        public static List<Double> byAnswer(
            List<String> p, List<String> c, List<Map<String, Object>> cols, Map<String, Object> kw) {
          java.util.ArrayList<Double> out = new java.util.ArrayList<>();
          for (int i = 0; i < c.size(); i++) {
            boolean hit = c.get(i).contains(String.valueOf(cols.get(i).get("answer")));
            out.add(hit ? ((Number) kw.get("hit")).doubleValue() : 0.0);
          }
          return out;
        }

        public static double[] explode(List<String> p, List<String> c, List<Map<String, Object>> cols) {
          for (String s : c) {
            if (s.startsWith("boom")) {
              throw new IllegalStateException("cannot score " + s);
            }
          }
          return new double[c.size()];
        }

        public static List<Object> flags(List<String> p, List<String> c, List<Map<String, Object>> cols) {
          return List.of(Boolean.TRUE);
        }
      }
      """;

  @BeforeAll
  static void buildUserJar() throws IOException {
    Path src = tmp.resolve("src/com/acme/MyRewards.java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, SOURCE);
    Path classes = Files.createDirectories(tmp.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertTrue(javac != null, "this test needs a JDK (javax.tools compiler), not a JRE");
    int rc =
        javac.run(
            null,
            null,
            null,
            "-d",
            classes.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            src.toString());
    assertEquals(0, rc, "compiling the user reward failed");
    Path jar = tmp.resolve("user-rewards.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
    loader =
        new URLClassLoader(new URL[] {jar.toUri().toURL()}, LocalRewardTest.class.getClassLoader());
  }

  private static double[] score(RewardFunction f) {
    return f.score(
        List.of("p", "p"),
        List.of("abc", "x=42"),
        List.of(Map.of("answer", "42"), Map.of("answer", "42")));
  }

  @Test
  void classWithKwargsConstructor() {
    RewardFunction f =
        Rewards.local(
            LocalRewardConfig.fromMap(
                Map.of("function", "com.acme.MyRewards", "kwargs", Map.of("bonus", 10))),
            loader);
    assertEquals("length_bonus", f.name());
    assertArrayEquals(new double[] {13, 14}, score(f));
  }

  @Test
  void staticMethodWithKwargs() {
    RewardFunction f =
        Rewards.local(
            new LocalRewardConfig("com.acme.MyRewards::byAnswer", Map.of("hit", 3.0)), loader);
    assertEquals("byAnswer", f.name());
    assertArrayEquals(new double[] {0, 3}, score(f));
  }

  @Test
  void combinesThroughRecipeConfig() {
    RewardSet set =
        new RewardConfig(
                List.of("digit"),
                List.of(),
                false,
                null,
                new LocalRewardConfig("com.acme.MyRewards", Map.of()))
            .build(loader);
    assertEquals(List.of("digit", "length_bonus"), set.names());
  }

  @Test
  void throwingUserRewardIsReportedWithItsSample() {
    RewardSet set =
        RewardSet.of(
            List.of(
                Rewards.local(new LocalRewardConfig("com.acme.MyRewards::explode", null), loader)));
    var e =
        assertThrows(
            RewardException.class,
            () ->
                set.score(
                    List.of("p0", "p1"),
                    List.of("fine", "boom!"),
                    List.of(Map.of("answer", "1"), Map.of("answer", "2"))));
    assertEquals(
        "reward 'explode' threw IllegalStateException (cannot score boom!) on sample 1:"
            + " prompt=\"p1\", completion=\"boom!\", columns={answer=2}",
        e.getMessage());
  }

  @Test
  void badSpecsTeach() {
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> Rewards.local(new LocalRewardConfig("com.acme.Missing", null), loader))
            .getMessage()
            .contains("is not on the classpath; add its jar with --classpath or FAIRL_CLASSPATH"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> Rewards.local(new LocalRewardConfig("my_rewards:score", null), loader))
            .getMessage()
            .contains("looks like a Python 'module:func'"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    Rewards.local(new LocalRewardConfig("com.acme.MyRewards::nope", null), loader))
            .getMessage()
            .contains("has no public method nope("));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    Rewards.local(
                        new LocalRewardConfig("com.acme.MyRewards::explode", Map.of("x", 1)),
                        loader))
            .getMessage()
            .contains("takes no kwargs"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> LocalRewardConfig.fromMap(Map.of("function", "a.B", "args", 1)))
            .getMessage()
            .startsWith("local_reward_function.args is not a known key"));
  }

  @Test
  void booleansAreNotScores() {
    RewardSet set =
        RewardSet.of(
            List.of(
                Rewards.local(new LocalRewardConfig("com.acme.MyRewards::flags", null), loader)));
    var e =
        assertThrows(
            RewardException.class, () -> set.score(List.of("p"), List.of("c"), List.of(Map.of())));
    assertTrue(e.getMessage().contains("returned a boolean at index 0"), e.getMessage());
  }
}
