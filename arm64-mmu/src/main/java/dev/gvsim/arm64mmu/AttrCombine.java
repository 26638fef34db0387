package dev.gvsim.arm64mmu;

/**
 * Combining the stage-1 and stage-2 memory types into the type the access gets (ARM DDI 0487
 * D8.5.5 "Combining the stage 1 and stage 2 attributes"; docs/facts/arm64-memory.md section 5):
 * <ul>
 * <li>HCR_EL2.FWB = 0, and FWB = 1 for stage-2 Device and Normal-NC codes: the more restrictive
 * type wins. Device beats Normal; among Device nGnRnE &gt; nGnRE &gt; nGRE &gt; GRE; among Normal the
 * weaker cacheability wins, NC &lt; WT &lt; WB. {@link MemoryType} ordinals run from most to least
 * restrictive, so this is the minimum ordinal.</li>
 * <li>FWB = 1, MemAttr 0b0110 ({@link Stage2Attr#FORCE_WB}): Normal-WB whatever stage 1 says.</li>
 * <li>FWB = 1, MemAttr 0b0111 ({@link Stage2Attr#AS_S1}): the stage-1 type.</li>
 * <li>Reserved stage-2 encodings are CONSTRAINED UNPREDICTABLE; gvsim takes Device-nGnRnE, the
 * most restrictive choice [inferred].</li>
 * </ul>
 */
public final class AttrCombine {
    private AttrCombine() {
    }

    /**
     * @param s1Type stage-1 {@link MemoryType} ordinal
     * @param s2Code a {@link Stage2Attr#decode} code
     * @return the effective {@link MemoryType} ordinal
     */
    public static int combine(int s1Type, int s2Code) {
        if (s2Code == Stage2Attr.FORCE_WB) {
            return MemoryType.NORMAL_WB.ordinal();
        }
        if (s2Code == Stage2Attr.AS_S1) {
            return s1Type;
        }
        if (s2Code < 0) {
            return MemoryType.DEVICE_NGNRNE.ordinal();
        }
        return Math.min(s1Type, s2Code);
    }

    /** Convenience over types: stage 2 given as its MemAttr bits and FWB. */
    public static MemoryType combine(MemoryType s1, int s2MemAttr, boolean fwb) {
        return MemoryType.of(combine(s1.ordinal(), Stage2Attr.decode(s2MemAttr, fwb)));
    }
}
