package ai.fairl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("unchecked")
class BenchmarkDataTest {
  @TempDir Path tmp;

  @Test
  void theSubjectTableMatchesTheDataAndTheHarnessCategories() throws Exception {
    TreeSet<String> files;
    try (Stream<Path> s = Files.list(SharedData.dir().resolve("mmlu/test"))) {
      files =
          s.map(p -> p.getFileName().toString().replace("_test.csv", ""))
              .collect(Collectors.toCollection(TreeSet::new));
    }
    assertEquals(List.copyOf(files), MmluSubjects.all());
    Map<String, Long> perCategory =
        MmluSubjects.all().stream()
            .collect(Collectors.groupingBy(MmluSubjects::category, Collectors.counting()));
    assertEquals(
        Map.of("STEM", 19L, "humanities", 13L, "social sciences", 12L, "other", 13L), perCategory);
    assertEquals(List.of("anatomy", "virology"), MmluSubjects.select(" anatomy, virology"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MmluSubjects.select("astrology"));
    assertTrue(e.getMessage().contains("\"astrology\""), e.getMessage());
  }

  @Test
  void readsTheSharedCsvLayoutWithHeaderAndIndexAnswers() {
    String src = SharedData.dir().resolve("mmlu").toString();
    List<MmluQuestion> qs = BenchmarkData.mmlu(src, List.of("abstract_algebra", "anatomy"), "test");
    assertEquals(100 + 135, qs.size());
    MmluQuestion q = qs.get(0);
    assertEquals("abstract_algebra", q.subject());
    assertEquals(List.of("0", "4", "2", "6"), q.choices());
    assertEquals(1, q.answer());
    assertEquals(5, BenchmarkData.mmlu(src, List.of("anatomy"), "dev").size());
  }

  @Test
  void readsTheOriginalHendrycksLayoutWithoutHeaderAndLetterAnswers() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("data/test"));
    Files.writeString(
        dir.resolve("virology_test.csv"),
        "\"Which is a virus, really?\",HIV,E. coli,\"yeast, baker's\",plasmodium,A\nSecond?,a,b,c,d,D\n");
    List<MmluQuestion> qs =
        BenchmarkData.mmlu(tmp.resolve("data").toString(), List.of("virology"), "test");
    assertEquals(2, qs.size());
    assertEquals("yeast, baker's", qs.get(0).choices().get(2));
    assertEquals(0, qs.get(0).answer());
    assertEquals(3, qs.get(1).answer());
  }

  static void writeCaisParquet(Path f, List<Object[]> rows) throws Exception {
    org.apache.parquet.schema.MessageType schema =
        org.apache.parquet.schema.MessageTypeParser.parseMessageType(
            "message schema { optional binary question (STRING); optional binary subject (STRING);"
                + " optional group choices (LIST) { repeated group list { optional binary element"
                + " (STRING); } } optional int64 answer; }");
    Files.createDirectories(f.getParent());
    try (org.apache.parquet.hadoop.ParquetWriter<org.apache.parquet.example.data.Group> w =
        org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(
                new org.apache.parquet.io.LocalOutputFile(f))
            .withType(schema)
            .build()) {
      var gf = new org.apache.parquet.example.data.simple.SimpleGroupFactory(schema);
      for (Object[] r : rows) {
        var g =
            gf.newGroup()
                .append("question", (String) r[0])
                .append("subject", (String) r[1])
                .append("answer", (long) (int) r[3]);
        var choices = g.addGroup("choices");
        for (String c : (List<String>) r[2]) {
          choices.addGroup("list").append("element", c);
        }
        w.write(g);
      }
    }
  }

  @Test
  void readsCaisMmluParquetPerSubjectAndAll() throws Exception {
    writeCaisParquet(
        tmp.resolve("cais/anatomy/test-00000-of-00001.parquet"),
        List.of(
            new Object[] {"Bones?", "anatomy", List.of("206", "300", "12", "1"), 0},
            new Object[] {"Heart?", "anatomy", List.of("1", "2", "3", "4"), 3}));
    List<MmluQuestion> qs =
        BenchmarkData.mmlu(tmp.resolve("cais").toString(), List.of("anatomy"), "test");
    assertEquals(
        List.of(
            new MmluQuestion("anatomy", "Bones?", List.of("206", "300", "12", "1"), 0),
            new MmluQuestion("anatomy", "Heart?", List.of("1", "2", "3", "4"), 3)),
        qs);
    writeCaisParquet(
        tmp.resolve("all/all/test-00000-of-00001.parquet"),
        List.of(
            new Object[] {"Bones?", "anatomy", List.of("206", "300", "12", "1"), 0},
            new Object[] {"Virus?", "virology", List.of("a", "b", "c", "d"), 1}));
    qs = BenchmarkData.mmlu(tmp.resolve("all").toString(), List.of("virology"), "test");
    assertEquals(
        List.of(new MmluQuestion("virology", "Virus?", List.of("a", "b", "c", "d"), 1)), qs);
    // and as a plain inference dataset, with the list column intact
    assertEquals(
        List.of("a", "b", "c", "d"),
        ai.fairl.infer.DatasetRows.readFile(tmp.resolve("all/all/test-00000-of-00001.parquet"))
            .get(1)
            .get("choices"));
  }

  @Test
  void parquetAndBrokenFilesGetClearErrors() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("mmlu/all"));
    Files.write(dir.resolve("test-00000-of-00001.parquet"), new byte[] {'P', 'A', 'R', '1'});
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> BenchmarkData.mmlu(tmp.resolve("mmlu").toString(), List.of("anatomy"), "test"));
    assertTrue(e.getMessage().contains("cannot read Parquet"), e.getMessage());
    Path bad = tmp.resolve("bad_test.csv");
    Files.writeString(bad, "question,A,B,C,D,answer\nq,a,b,c,d,Z\n");
    e = assertThrows(IllegalArgumentException.class, () -> BenchmarkData.mmluFile(bad, "x"));
    assertTrue(
        e.getMessage().contains("record 2") && e.getMessage().contains("\"Z\""), e.getMessage());
  }

  @Test
  void readsGsm8kWithNormalisedAnswers() {
    List<Gsm8kQuestion> qs =
        BenchmarkData.gsm8k(SharedData.dir().resolve("gsm8k/test.jsonl").toString(), "test");
    assertEquals(1319, qs.size());
    assertEquals("18", qs.get(0).answer());
    assertTrue(qs.stream().allMatch(q -> q.answer().matches("-?\\d+(\\.\\d+)?")));
    assertEquals(
        7473, BenchmarkData.gsm8k(SharedData.dir().resolve("gsm8k").toString(), "train").size());
  }
}
