package io.herald.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * When a network partition heals, keeps the higher of the two sides' values of a map entry holding
 * a number (a value that only grows, such as the highest job id block taken). Hazelcast's default
 * keeps the larger side's value: the smaller side's increments would be lost and the value would go
 * back. Entries that are not numbers keep the existing value.
 */
public final class HigherValueMergePolicy
    implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {

  @Override
  public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
    if (existing == null) {
      return merging.getRawValue();
    }
    if (merging == null) {
      return existing.getRawValue();
    }
    if (merging.getValue() instanceof Number m
        && existing.getValue() instanceof Number e
        && m.longValue() > e.longValue()) {
      return merging.getRawValue();
    }
    return existing.getRawValue();
  }

  @Override
  public void writeData(ObjectDataOutput out) {
    // no state
  }

  @Override
  public void readData(ObjectDataInput in) {
    // no state
  }
}
