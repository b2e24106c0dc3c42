import ai.djl.ndarray.*;
import ai.djl.ndarray.types.Shape;
import ai.fairl.train.sft.SftObjective;

/** A bigram language model (logits = W[token]) trained by the real TrainLoop, as in TrainLoopTest. */
final class Bigram implements LogitsFunction, Trainable {
  final NDManager manager = NDManager.newBaseManager();
  final NDArray weight;
  final int vocab;

  Bigram(int vocab, long seed) {
    this.vocab = vocab;
    Random r = new Random(seed);
    float[] w = new float[vocab * vocab];
    for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.1);
    weight = manager.create(w, new Shape(vocab, vocab)); // (vocab, vocab)
    weight.setRequiresGradient(true);
  }

  public NDArray logits(NDArray ids, NDArray mask, boolean training) {
    NDArray rows = weight.get(ids.flatten()); // (batch * seq, vocab)
    return rows.reshape(ids.getShape().get(0), ids.getShape().get(1), vocab); // (batch, seq, vocab)
  }

  public Map<String, NDArray> parameters() {
    return Map.of("bigram.weight", weight);
  }

  public void save(Path dir) throws IOException {
    Files.writeString(dir.resolve("bigram.txt"), Arrays.toString(weight.toFloatArray()));
  }

  public void load(Path dir) {}
}

/** Sequences following x -> (3x + 1) mod vocab. */
List<long[]> bigramData(int count, int vocab, long seed) {
  Random r = new Random(seed);
  List<long[]> out = new ArrayList<>();
  for (int i = 0; i < count; i++) {
    long[] row = new long[3 + r.nextInt(6)];
    row[0] = r.nextInt(vocab);
    for (int t = 1; t < row.length; t++) row[t] = (row[t - 1] * 3 + 1) % vocab;
    out.add(row);
  }
  return out;
}

TokenBatch collate(List<long[]> rows) {
  int seq = rows.stream().mapToInt(r -> r.length).max().orElse(1);
  int n = rows.size();
  long[] ids = new long[n * seq], mask = new long[n * seq], labels = new long[n * seq];
  Arrays.fill(labels, LogProbs.IGNORE);
  for (int i = 0; i < n; i++) {
    for (int t = 0; t < rows.get(i).length; t++) {
      ids[i * seq + t] = rows.get(i)[t];
      mask[i * seq + t] = 1;
      labels[i * seq + t] = rows.get(i)[t];
    }
  }
  return new TokenBatch(n, seq, ids, mask, labels);
}

TrainResult trainBigram(Path out, int maxSteps, TrainListener... listeners) throws IOException {
  Bigram model = new Bigram(16, 1);
  var src = new ListSource<long[], TokenBatch>(bigramData(64, 16, 3), 4, rows -> collate(rows), 7, true, false);
  var cfg = TrainConfig.builder(out).algorithm("sft").learningRate(0.1).loggingSteps(1).saveSteps(0).maxSteps(maxSteps).build();
  return new TrainLoop(cfg, List.of(listeners), Notebook.stopSignal())
      .run(new TrainTask<>(new SftObjective(model), model, src, null));
}
