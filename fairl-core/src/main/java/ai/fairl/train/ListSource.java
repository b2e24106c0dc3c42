package ai.fairl.train;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * A {@link BatchSource} over rows held in memory: each epoch visits the rows in an order shuffled
 * with {@code seed + epoch} (or in file order), cuts them into micro-batches of {@code batchSize}
 * and hands each to a collator. Deterministic, so its position ({@code epoch,index}) is all a
 * checkpoint needs.
 *
 * @param <T> a row (an example after templating)
 * @param <B> the batch the collator makes
 */
public final class ListSource<T, B extends Batch> implements BatchSource<B> {
  private final List<T> rows;
  private final int batchSize;
  private final Function<List<T>, B> collate;
  private final long seed;
  private final boolean shuffle;
  private final boolean dropLast;
  private int epoch;
  private int index;
  private int[] order;

  public ListSource(
      List<T> rows,
      int batchSize,
      Function<List<T>, B> collate,
      long seed,
      boolean shuffle,
      boolean dropLast) {
    if (batchSize < 1) {
      throw new IllegalArgumentException(
          "training.per_device_train_batch_size must be >= 1, got " + batchSize);
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("the dataset has no rows left after loading");
    }
    if (dropLast && rows.size() < batchSize) {
      throw new IllegalArgumentException(
          "the dataset has "
              + rows.size()
              + " rows, fewer than per_device_train_batch_size "
              + batchSize
              + " with dataloader_drop_last: true; lower the batch size or add rows");
    }
    this.rows = List.copyOf(rows);
    this.batchSize = batchSize;
    this.collate = collate;
    this.seed = seed;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.order = orderFor(0);
  }

  public int size() {
    return rows.size();
  }

  @Override
  public long microBatchesPerEpoch() {
    return dropLast ? rows.size() / batchSize : (rows.size() + batchSize - 1) / batchSize;
  }

  @Override
  public B next(NDManager scope) {
    if (index >= microBatchesPerEpoch()) {
      epoch++;
      index = 0;
      order = orderFor(epoch);
    }
    int from = index * batchSize;
    int to = Math.min(rows.size(), from + batchSize);
    List<T> picked = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      picked.add(rows.get(order[i]));
    }
    index++;
    return collate.apply(picked);
  }

  private int[] orderFor(int e) {
    List<Integer> idx = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      idx.add(i);
    }
    if (shuffle) {
      Collections.shuffle(idx, new Random(seed + e));
    }
    return idx.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public String position() {
    return "epoch=" + epoch + ",index=" + index;
  }

  @Override
  public void seek(String position) {
    try {
      String[] parts = position.split(",");
      int e = Integer.parseInt(parts[0].substring("epoch=".length()));
      int i = Integer.parseInt(parts[1].substring("index=".length()));
      epoch = e;
      index = i;
      order = orderFor(e);
    } catch (RuntimeException ex) {
      throw new IllegalArgumentException(
          "data position '" + position + "' is not epoch=<n>,index=<n>", ex);
    }
  }
}
