package io.herald.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hazelcast.spi.merge.MergingValue;
import org.junit.jupiter.api.Test;

class HigherValueMergePolicyTest {

  private final HigherValueMergePolicy policy = new HigherValueMergePolicy();

  /** A side's value: {@code getRawValue} is what the policy hands back to Hazelcast. */
  private static MergingValue<Object> side(Object value) {
    return new MergingValue<>() {
      @Override
      public Object getValue() {
        return value;
      }

      @Override
      public Object getRawValue() {
        return "raw " + value;
      }
    };
  }

  @Test
  void theHigherNumberWinsWhicheverSideItIsOn() {
    assertEquals("raw 7", policy.merge(side(7L), side(3L)));
    assertEquals("raw 7", policy.merge(side(3L), side(7L)));
    assertEquals("raw 5", policy.merge(side(5L), side(5L)));
  }

  @Test
  void aValueOnOneSideOnlyIsKept() {
    assertEquals("raw 4", policy.merge(side(4L), null));
    assertEquals("raw 4", policy.merge(null, side(4L)));
  }

  @Test
  void valuesThatAreNotNumbersKeepTheExistingOne() {
    assertEquals("raw b", policy.merge(side("a"), side("b")));
  }
}
