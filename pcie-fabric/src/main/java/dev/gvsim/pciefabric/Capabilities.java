package dev.gvsim.pciefabric;

import static dev.gvsim.pciefabric.PciFunction.EXP_DEVCAP;
import static dev.gvsim.pciefabric.PciFunction.EXP_DEVCAP2;
import static dev.gvsim.pciefabric.PciFunction.EXP_DEVCTL;
import static dev.gvsim.pciefabric.PciFunction.EXP_DEVCTL2;
import static dev.gvsim.pciefabric.PciFunction.EXP_DEVSTA;
import static dev.gvsim.pciefabric.PciFunction.EXP_FLAGS;
import static dev.gvsim.pciefabric.PciFunction.EXP_LNKCAP;
import static dev.gvsim.pciefabric.PciFunction.EXP_LNKCAP2;
import static dev.gvsim.pciefabric.PciFunction.EXP_LNKCTL;
import static dev.gvsim.pciefabric.PciFunction.EXP_LNKCTL2;
import static dev.gvsim.pciefabric.PciFunction.EXP_LNKSTA;
import static dev.gvsim.pciefabric.PciFunction.EXP_RTCAP;
import static dev.gvsim.pciefabric.PciFunction.EXP_RTCTL;
import static dev.gvsim.pciefabric.PciFunction.EXP_RTSTA;
import static dev.gvsim.pciefabric.PciFunction.EXP_SLTCAP;
import static dev.gvsim.pciefabric.PciFunction.EXP_SLTCTL;
import static dev.gvsim.pciefabric.PciFunction.EXP_SLTSTA;
import static dev.gvsim.simcore.regs.Field.ro;
import static dev.gvsim.simcore.regs.Field.rsvdP;
import static dev.gvsim.simcore.regs.Field.rsvdZ;
import static dev.gvsim.simcore.regs.Field.rw;
import static dev.gvsim.simcore.regs.Field.rw1c;
import static dev.gvsim.simcore.regs.Field.wo;

import dev.gvsim.simcore.regs.Field;
import dev.gvsim.simcore.regs.FieldKind;
import dev.gvsim.simcore.regs.Register;
import dev.gvsim.simcore.regs.RegisterFile;

/**
 * The registers of the capabilities {@link PciFunction} builds (PCI Local Bus 3.0 §6.7-6.8, PCI
 * PM 1.2 §3.2, PCIe Base 4.0 §7.5.3, §7.6-7.8, PCI-to-PCI Bridge 1.2), declared into a function's
 * configuration {@link RegisterFile}. Offsets are absolute; each method declares a capability's
 * registers after its header has been linked ({@link #link}). Bits the specification defines but the
 * model does not implement are left out of the fields (reported as unimplemented when written).
 */
final class Capabilities {
    private Capabilities() {
    }

    static final String PM = "PCI PM 1.2 ";
    static final String EXP = "PCIe Base 4.0 ";

    // ---------------------------------------------------------------- capability list (PCI Local Bus 3.0 §6.7)

    /** Links a capability header at {@code offset} at the head of the list (QEMU pci_add_capability: the newest first). */
    static void link(RegisterFile r, String name, int capId, int offset) {
        int head = (int) r.read(PciFunction.CAPABILITY_LIST, 1);
        r.declare(Register.of(name + ".HEADER", offset, 2, capId | head << 8, "PCI Local Bus 3.0 §6.7: capability ID 0x"
                + Integer.toHexString(capId) + " and next pointer", ro("cap_id", 7, 0), ro("next", 15, 8)));
        r.set(PciFunction.CAPABILITY_LIST, 1, offset);
        r.set(PciFunction.STATUS, 1, r.read(PciFunction.STATUS, 1) | PciFunction.STATUS_CAP_LIST);
    }

    /** The name a capability's registers are declared under. */
    static String name(int capId) {
        return switch (capId) {
            case PciFunction.CAP_ID_PM -> "PM";
            case PciFunction.CAP_ID_MSI -> "MSI";
            case PciFunction.CAP_ID_VENDOR -> "VNDR";
            case PciFunction.CAP_ID_SHPC -> "SHPC";
            case PciFunction.CAP_ID_SSVID -> "SSVID";
            case PciFunction.CAP_ID_EXP -> "EXP";
            case PciFunction.CAP_ID_MSIX -> "MSIX";
            case PciBridge.CAP_ID_SLOTID -> "SLOTID";
            default -> String.format("CAP_%02X", capId);
        };
    }

    // ---------------------------------------------------------------- Power Management (PCI PM 1.2 §3.2)

    static void pm(RegisterFile r, int at, boolean noSoftReset) {
        r.declare(Register.of("PM.PMC", at + PciFunction.PM_PMC, 2, 0x0003, PM + "§3.2.3: version 3 (PCI PM 1.2), no D1/D2, no PME",
                ro("version", 2, 0), ro("pme_clock", 3), rsvdP(4, 4), ro("dsi", 5), ro("aux_current", 8, 6), ro("d1_support", 9),
                ro("d2_support", 10), ro("pme_support", 15, 11)));
        r.declare(Register.of("PM.PMCSR", at + PciFunction.PM_PMCSR, 2, noSoftReset ? PciFunction.PMCSR_NO_SOFT_RESET : 0,
                PM + "§3.2.4; writes of D1/D2 are ignored (§5.4.1), D3hot->D0 without No_Soft_Reset resets the function",
                rw("power_state", 1, 0), rsvdP(2, 2), ro("no_soft_reset", 3), rsvdP(7, 4), rw("pme_en", 8), ro("data_select", 12, 9),
                ro("data_scale", 14, 13), rw1c("pme_status", 15)));
        r.declare(Register.whole("PM.PMCSR_BSE", at + 6, 1, FieldKind.RO, 0, PM + "§3.2.5: no bridge support extensions"));
        r.declare(Register.whole("PM.DATA", at + 7, 1, FieldKind.RO, 0, PM + "§3.2.6: Data register not implemented (0)"));
    }

    // ---------------------------------------------------------------- PCI Express (PCIe Base 4.0 §7.5.3)

    /**
     * The PCI Express capability, version 2, of a function without a slot or root registers (those
     * are declared by {@link #slot} and {@link #root}): reset values and writable bits as
     * {@link PciFunction#addExpressCapability} documents them.
     */
    static void express(RegisterFile r, int at, int portType, boolean flr, int linkSpeed, int linkWidth) {
        boolean port = portType == PciFunction.EXP_TYPE_ROOT_PORT || portType == PciFunction.EXP_TYPE_DOWNSTREAM;
        r.declare(Register.of("EXP.FLAGS", at + EXP_FLAGS, 2, 0x2 | (portType & 0xF) << 4, EXP + "§7.5.3.2: capability version 2",
                ro("version", 3, 0), ro("port_type", 7, 4), ro("slot_implemented", 8), ro("interrupt_message_number", 13, 9), rsvdP(15, 14)));
        r.declare(Register.whole("EXP.DEVCAP", at + EXP_DEVCAP, 4, FieldKind.RO, 0x8000 | (flr ? PciFunction.DEVCAP_FLR : 0),
                EXP + "§7.5.3.3: Max_Payload 128 B, Role-Based Error Reporting (as QEMU pcie_cap_v1_fill)" + (flr ? ", FLR capable" : "")));
        Field bit15 = flr ? wo("initiate_flr", 15) : null;
        Field[] devctl = {rw("correctable_error_reporting_en", 0), rw("nonfatal_error_reporting_en", 1), rw("fatal_error_reporting_en", 2),
            rw("unsupported_request_reporting_en", 3), rw("relaxed_ordering_en", 4), rw("max_payload_size", 7, 5),
            ro("extended_tag_field_en", 8), ro("phantom_functions_en", 9), rw("aux_power_pm_en", 10), rw("no_snoop_en", 11),
            rw("max_read_request_size", 14, 12)};
        if (bit15 != null) {
            devctl = java.util.Arrays.copyOf(devctl, devctl.length + 1);
            devctl[devctl.length - 1] = bit15;
        }
        r.declare(Register.of("EXP.DEVCTL", at + EXP_DEVCTL, 2, 0, EXP + "§7.5.3.4; reset 0 as QEMU (qxl_rp trace: @0x5c -> 0x0); Extended Tag "
                + "and Phantom Functions hardwired 0 (DevCap does not support them)"
                + (flr ? "; Initiate FLR always reads 0" : "; bit 15 (Initiate FLR / Bridge Configuration Retry Enable) not implemented"), devctl));
        r.declare(Register.of("EXP.DEVSTA", at + EXP_DEVSTA, 2, 0, EXP + "§7.5.3.5: error detected bits RW1C (Emergency Power Reduction not implemented)",
                rw1c("correctable_error_detected", 0), rw1c("nonfatal_error_detected", 1), rw1c("fatal_error_detected", 2),
                rw1c("unsupported_request_detected", 3), ro("aux_power_detected", 4), ro("transactions_pending", 5), rsvdZ(15, 7)));
        r.declare(Register.whole("EXP.LNKCAP", at + EXP_LNKCAP, 4, FieldKind.RO,
                (linkSpeed & 0xF) | (linkWidth & 0x3F) << 4 | PciFunction.LNKCAP_ASPMS_L0S | (port ? 0x0030_0000 : 0),
                EXP + "§7.5.3.6: speed, width, ASPM L0s (QEMU pcie_cap_v1_fill)" + (port ? ", DLL Link Active and Link Bandwidth Notification reporting" : "")));
        r.declare(Register.of("EXP.LNKCTL", at + EXP_LNKCTL, 2, 0, EXP + "§7.5.3.7; writable bits as modelled (RCB, Link Disable, Retrain Link, "
                + "autonomous width and bandwidth interrupt enables not implemented)", rw("aspm_control", 1, 0), rsvdP(2, 2),
                rw("common_clock_configuration", 6), rw("extended_synch", 7), rw("clock_power_management_en", 8)));
        r.declare(Register.of("EXP.LNKSTA", at + EXP_LNKSTA, 2, (linkSpeed & 0xF) | (linkWidth & 0x3F) << 4 | (port ? PciFunction.LNKSTA_DLLLA : 0),
                EXP + "§7.5.3.8 (Link Bandwidth / Autonomous Bandwidth Status not implemented)", ro("current_link_speed", 3, 0),
                ro("negotiated_link_width", 9, 4), ro("undefined", 10), ro("link_training", 11), ro("slot_clock_configuration", 12),
                ro("data_link_layer_link_active", 13)));
        String noSlot = "§7.5.3: no slot, hardwired to 0";
        r.declare(Register.whole("EXP.SLTCAP", at + EXP_SLTCAP, 4, FieldKind.RO, 0, EXP + noSlot));
        r.declare(Register.whole("EXP.SLTCTL", at + EXP_SLTCTL, 2, FieldKind.RO, 0, EXP + noSlot));
        r.declare(Register.whole("EXP.SLTSTA", at + EXP_SLTSTA, 2, FieldKind.RO, 0, EXP + noSlot));
        String noRoot = "§7.5.3: not a root port, hardwired to 0";
        r.declare(Register.whole("EXP.RTCTL", at + EXP_RTCTL, 2, FieldKind.RO, 0, EXP + noRoot));
        r.declare(Register.whole("EXP.RTCAP", at + EXP_RTCAP, 2, FieldKind.RO, 0, EXP + noRoot));
        r.declare(Register.whole("EXP.RTSTA", at + EXP_RTSTA, 4, FieldKind.RO, 0, EXP + noRoot));
        r.declare(Register.whole("EXP.DEVCAP2", at + EXP_DEVCAP2, 4, FieldKind.RO, 0, EXP + "§7.5.3.15"));
        r.declare(devctl2(at, false));
        r.declare(Register.whole("EXP.DEVSTA2", at + EXP_DEVCTL2 + 2, 2, FieldKind.RO, 0, EXP + "§7.5.3.17: reserved, 0"));
        r.declare(Register.whole("EXP.LNKCAP2", at + EXP_LNKCAP2, 4, FieldKind.RO, (1 << (linkSpeed & 0xF)) - 1 << 1,
                EXP + "§7.5.3.18: supported link speeds up to the link's"));
        r.declare(Register.of("EXP.LNKCTL2", at + EXP_LNKCTL2, 2, linkSpeed & 0xF, EXP + "§7.5.3.19: Target Link Speed (other controls not implemented)",
                rw("target_link_speed", 3, 0)));
        r.declare(Register.whole("EXP.LNKSTA2", at + EXP_LNKCTL2 + 2, 2, FieldKind.RO, 0, EXP + "§7.5.3.20"));
        r.declare(Register.whole("EXP.SLTCAP2", at + 0x34, 4, FieldKind.RO, 0, EXP + "§7.5.3.21: reserved, 0"));
        r.declare(Register.whole("EXP.SLTCTL2", at + 0x38, 2, FieldKind.RO, 0, EXP + "§7.5.3.22: reserved, 0"));
        r.declare(Register.whole("EXP.SLTSTA2", at + 0x3A, 2, FieldKind.RO, 0, EXP + "§7.5.3.23: reserved, 0"));
    }

    /** Device Control 2: Completion Timeout Disable and LTR Mechanism Enable; ARI Forwarding Enable on a root port (§7.5.3.16). */
    private static Register devctl2(int at, boolean ariForwarding) {
        Field[] f = ariForwarding
                ? new Field[] {rw("completion_timeout_disable", 4), rw("ari_forwarding_en", 5), rw("ltr_mechanism_en", 10)}
                : new Field[] {rw("completion_timeout_disable", 4), rw("ltr_mechanism_en", 10)};
        return Register.of("EXP.DEVCTL2", at + EXP_DEVCTL2, 2, 0, EXP + "§7.5.3.16; writable bits as modelled (other enables not implemented)", f);
    }

    /**
     * A hot-plug slot on a downstream port (QEMU hw/pci/pcie.c pcie_cap_slot_init): Slot Implemented,
     * Slot Capabilities ABP|PCP|AIP|PIP|HPS|HPC|EIP with the slot number, Slot Control with the
     * attention indicator off and power indicator on, Slot Status change bits RW1C.
     */
    static void slot(RegisterFile r, int at, int slot) {
        r.set(at + EXP_FLAGS, 2, r.read(at + EXP_FLAGS, 2) | PciFunction.EXP_FLAGS_SLOT);
        r.redeclare(Register.whole("EXP.SLTCAP", at + EXP_SLTCAP, 4, FieldKind.RO, RootPort.SLTCAP_ABP | RootPort.SLTCAP_PCP | RootPort.SLTCAP_AIP
                | RootPort.SLTCAP_PIP | RootPort.SLTCAP_HPS | RootPort.SLTCAP_HPC | RootPort.SLTCAP_EIP
                | (long) (slot & 0x1FFF) << RootPort.SLTCAP_PSN_SHIFT, EXP + "§7.5.3.9: hot-plug slot (QEMU pcie_cap_slot_init; 0x2007b in the qxl_rp trace)"));
        r.redeclare(Register.of("EXP.SLTCTL", at + EXP_SLTCTL, 2, 0x01C0, EXP + "§7.5.3.10; writable bits QEMU pcie_cap_slot_init (qxl_rp trace: "
                + "0x6c <- 0x11f1 reads 0x1f1: Power Fault Detected Enable, Electromechanical Interlock Control and DLL State Changed "
                + "Enable not implemented)", rw("attention_button_pressed_en", 0), ro("mrl_sensor_changed_en", 2),
                rw("presence_detect_changed_en", 3), rw("command_completed_interrupt_en", 4), rw("hot_plug_interrupt_en", 5),
                rw("attention_indicator_control", 7, 6), rw("power_indicator_control", 9, 8), rw("power_controller_control", 10),
                rsvdP(15, 13)));
        r.redeclare(Register.of("EXP.SLTSTA", at + EXP_SLTSTA, 2, 0, EXP + "§7.5.3.11; change bits RW1C (QEMU pcie_cap_slot_init)",
                rw1c("attention_button_pressed", 0), rw1c("power_fault_detected", 1), rw1c("mrl_sensor_changed", 2),
                rw1c("presence_detect_changed", 3), rw1c("command_completed", 4), ro("mrl_sensor_state", 5), ro("presence_detect_state", 6),
                ro("electromechanical_interlock_status", 7), rw1c("data_link_layer_state_changed", 8), rsvdZ(15, 9)));
    }

    /**
     * Presence of a device on a hot-plug port's link (root port or switch downstream port, QEMU 7.2
     * pcie_cap_slot_reset / pcie_cap_slot_plug_cb): Slot Status Presence Detect State, Link Status
     * DLL Link Active, and Slot Control's power indicator and power controller (an empty slot resets
     * with both off, 0x7c0 in QEMU's own config dumps; a device present turns both on, 0x1c0).
     */
    static void presence(PciFunction f, int at, boolean present) {
        int ctl = f.word(at + EXP_SLTCTL) & ~RootPort.SLTCTL_PIC_PCC;
        f.setWord(at + EXP_SLTCTL, ctl | ((present ? RootPort.SLTCTL_PRESENT : RootPort.SLTCTL_EMPTY) & RootPort.SLTCTL_PIC_PCC));
        int sta = f.word(at + EXP_SLTSTA);
        f.setWord(at + EXP_SLTSTA, present ? sta | RootPort.SLTSTA_PDS : sta & ~RootPort.SLTSTA_PDS);
        int lnk = f.word(at + PciFunction.EXP_LNKSTA);
        f.setWord(at + PciFunction.EXP_LNKSTA, present ? lnk | PciFunction.LNKSTA_DLLLA : lnk & ~PciFunction.LNKSTA_DLLLA);
    }

    /**
     * A root port's registers (QEMU hw/pci/pcie.c pcie_cap_root_init): Root Control with only the
     * system-error enables writable, Root Status PME Status RW1C, Device Capabilities 2 and ARI
     * Forwarding Enable as in the qxl_rp trace (DevCap2 0x300020).
     */
    static void root(RegisterFile r, int at) {
        r.redeclare(Register.of("EXP.RTCTL", at + EXP_RTCTL, 2, 0, EXP + "§7.5.3.12; QEMU pcie_cap_root_init: only SECEE|SENFEE|SEFEE writable "
                + "(qxl_rp trace: 0x70 <- 0x8 reads 0: PME Interrupt Enable not implemented)", rw("system_error_on_correctable_en", 0),
                rw("system_error_on_nonfatal_en", 1), rw("system_error_on_fatal_en", 2), ro("crs_software_visibility_en", 4), rsvdP(15, 5)));
        r.redeclare(Register.of("EXP.RTSTA", at + EXP_RTSTA, 4, 0, EXP + "§7.5.3.14: PME Status RW1C", ro("pme_requester_id", 15, 0),
                rw1c("pme_status", 16), ro("pme_pending", 17), rsvdZ(31, 18)));
        r.redeclare(Register.whole("EXP.DEVCAP2", at + EXP_DEVCAP2, 4, FieldKind.RO, DEVCAP2_EFF | DEVCAP2_EETLPP | DEVCAP2_ARI_FWD,
                EXP + "§7.5.3.15: Extended Fmt Field and End-End TLP Prefix Supported (QEMU 7.2 hw/pci/pcie.c pcie_cap_init), ARI "
                        + "Forwarding Supported (pcie_cap_arifwd_init) (qxl_rp trace: 0x300020)"));
        r.redeclare(devctl2(at, true));
    }

    /** Device Capabilities 2 bits (PCIe Base 4.0 §7.5.3.15). */
    static final int DEVCAP2_ARI_FWD = 0x20;
    static final int DEVCAP2_EFF = 0x10_0000;
    static final int DEVCAP2_EETLPP = 0x20_0000;

    /**
     * The version 2 registers QEMU 7.2's pcie_cap_init gives a 2.5 GT/s function: Device Capabilities 2
     * Extended Fmt Field and End-End TLP Prefix Supported, with ARI Forwarding Supported and its enable
     * when {@code ariForwarding} (pcie_cap_arifwd_init); Link Capabilities 2 and Link Control 2 left 0
     * (pcie_cap_fill_slot_lnk fills them only above 5 GT/s). {@code seen}: what a recording read.
     */
    static void qemuV2(RegisterFile r, int at, boolean ariForwarding, String seen) {
        int devcap2 = DEVCAP2_EFF | DEVCAP2_EETLPP | (ariForwarding ? DEVCAP2_ARI_FWD : 0);
        r.redeclare(Register.whole("EXP.DEVCAP2", at + EXP_DEVCAP2, 4, FieldKind.RO, devcap2,
                EXP + "§7.5.3.15: QEMU 7.2 pcie_cap_init" + (ariForwarding ? " and pcie_cap_arifwd_init" : "") + " (" + seen + ")"));
        r.redeclare(devctl2(at, ariForwarding));
        r.redeclare(Register.whole("EXP.LNKCAP2", at + EXP_LNKCAP2, 4, FieldKind.RO, 0,
                EXP + "§7.5.3.18: 0 as QEMU 7.2 leaves it at 2.5 GT/s (pcie_cap_fill_slot_lnk)"));
        r.redeclare(Register.of("EXP.LNKCTL2", at + EXP_LNKCTL2, 2, 0, EXP + "§7.5.3.19: Target Link Speed 0, as QEMU 7.2 leaves it at 2.5 GT/s",
                rw("target_link_speed", 3, 0)));
    }

    /**
     * The version 2 registers of a switch port as QEMU 7.2 builds them (vgpu_sw recording, x3130-upstream and
     * xio3130-downstream): Device Capabilities 2 Extended Fmt Field and End-End TLP Prefix Supported (hw/pci/pcie.c
     * pcie_cap_init), with ARI Forwarding Supported and its enable on a downstream port (pcie_cap_arifwd_init); Link
     * Capabilities 2 and Link Control 2 left 0 (pcie_cap_fill_slot_lnk fills them only above 5 GT/s: these ports are
     * 2.5 GT/s). {@code downstreamLinkCap}: the downstream port's Link Capabilities, which QEMU 7.2 fills from its
     * slot's speed and width properties (0 on xio3130-downstream, which has none): 0x400, ASPM L0s only.
     */
    static void switchPortV2(RegisterFile r, int at, boolean downstream) {
        qemuV2(r, at, downstream, downstream ? "vgpu_sw: 0x300020" : "vgpu_sw: 0x300000");
        if (downstream) {
            r.redeclare(Register.whole("EXP.LNKCAP", at + PciFunction.EXP_LNKCAP, 4, FieldKind.RO, PciFunction.LNKCAP_ASPMS_L0S,
                    EXP + "§7.5.3.6: QEMU 7.2 pcie_cap_fill_slot_lnk with the slot's speed and width 0 (xio3130-downstream has no x-speed/"
                            + "x-width properties): ASPM L0s only (vgpu_sw: 0x400)"));
        }
    }

    // ---------------------------------------------------------------- MSI-X, MSI (PCI Local Bus 3.0 §6.8)

    static void msix(RegisterFile r, int at, int vectors, int tableBar, long tableOffset, int pbaBar, long pbaOffset) {
        r.declare(Register.of("MSIX.MC", at + PciFunction.MSIX_FLAGS, 2, vectors - 1, "PCI Local Bus 3.0 §6.8.2.3: Table Size = vectors - 1",
                ro("table_size", 10, 0), rsvdP(13, 11), rw("function_mask", 14), rw("msix_enable", 15)));
        r.declare(Register.of("MSIX.TABLE", at + PciFunction.MSIX_TABLE, 4, tableOffset | tableBar, "PCI Local Bus 3.0 §6.8.2.4",
                ro("bir", 2, 0), ro("table_offset", 31, 3)));
        r.declare(Register.of("MSIX.PBA", at + PciFunction.MSIX_PBA, 4, pbaOffset | pbaBar, "PCI Local Bus 3.0 §6.8.2.5",
                ro("bir", 2, 0), ro("pba_offset", 31, 3)));
    }

    /** MSI's Message Control (the message address, data and mask registers are not implemented: they read 0). */
    static void msi(RegisterFile r, int at, int control) {
        r.declare(Register.of("MSI.MC", at + 2, 2, control, "PCI Local Bus 3.0 §6.8.1.3 (message address, data and mask registers not implemented)",
                rw("msi_enable", 0), ro("multiple_message_capable", 3, 1), rw("multiple_message_enable", 6, 4), ro("address_64bit", 7),
                ro("per_vector_masking", 8), rsvdP(15, 9)));
    }

    // ---------------------------------------------------------------- vendor-specific, SSVID, slot ID

    static void vendor(RegisterFile r, int at, byte[] body) {
        r.declare(Register.whole("VNDR.LENGTH", at + 2, 1, FieldKind.RO, 3 + body.length, "PCI Local Bus 3.0 §6.7: vendor-specific capability length"));
        for (int i = 0; i < body.length; i++) {
            r.declare(Register.whole("VNDR.BODY" + i, at + 3 + i, 1, FieldKind.RO, body[i] & 0xFF, "the device's vendor-specific capability body"));
        }
    }

    static void ssvid(RegisterFile r, int at, int ssvid, int ssid) {
        String src = "PCI-to-PCI Bridge 1.2 §3.2.5.15 (Subsystem ID and Subsystem Vendor ID capability)";
        r.declare(Register.of("SSVID.RESERVED", at + 2, 2, 0, src, rsvdP(15, 0)));
        r.declare(Register.whole("SSVID.SSVID", at + 4, 2, FieldKind.RO, ssvid & 0xFFFF, src));
        r.declare(Register.whole("SSVID.SSID", at + 6, 2, FieldKind.RO, ssid & 0xFFFF, src));
    }

    static void slotId(RegisterFile r, int at, int chassis) {
        String src = "PCI-to-PCI Bridge 1.2 §13.1 (slot numbering capability)";
        r.declare(Register.of("SLOTID.EXPANSION_SLOT", at + 2, 1, 0x20, src + ": first slot 0, no expansion slots, First In Chassis",
                ro("expansion_slots_provided", 4, 0), ro("first_in_chassis", 5), rsvdP(7, 6)));
        r.declare(Register.whole("SLOTID.CHASSIS", at + 3, 1, FieldKind.RW, chassis & 0xFF, src + ": chassis number"));
    }

    // ---------------------------------------------------------------- extended capabilities (PCIe Base 4.0 §7.6)

    static String extendedName(int capId) {
        return switch (capId) {
            case PciFunction.EXT_CAP_ID_AER -> "AER";
            case PciFunction.EXT_CAP_ID_ACS -> "ACS";
            case SriovCapability.EXT_CAP_ID -> "SRIOV";
            case PciFunction.EXT_CAP_ID_ARI -> "ARI";
            default -> String.format("EXT_%04X", capId);
        };
    }

    static void extendedHeader(RegisterFile r, int capId, int version, int at) {
        r.declare(Register.of(extendedName(capId) + ".HEADER", at, 4, capId | (version & 0xF) << 16, EXP + "§7.6.3: extended capability header",
                ro("cap_id", 15, 0), ro("version", 19, 16), ro("next", 31, 20)));
    }

    /** Advanced Error Reporting of a root port (§7.8.4), values and masks as read in the qxl_rp trace. */
    static void aer(RegisterFile r, int at) {
        aer(r, at, true);
    }

    /**
     * Advanced Error Reporting (§7.8.4) as QEMU 7.2's pcie_aer_init builds it, the same on root and switch ports (qxl_rp and
     * vgpu_sw traces: severity 0x462030, correctable mask 0xe000, capabilities 0x2a0); the Root Error Command and Status are
     * writable on a root port only (pcie_aer_root_init), hardwired 0 elsewhere.
     */
    static void aer(RegisterFile r, int at, boolean root) {
        aer(r, at, root, true);
    }

    /**
     * {@code multipleHeaders}: Multiple Header Recording Capable, set by QEMU when the function keeps an AER log (the ports'
     * aer_log_max; a pcie-pci-bridge has none: Capabilities and Control 0xa0 in QEMU's own dump).
     */
    static void aer(RegisterFile r, int at, boolean root, boolean multipleHeaders) {
        String src = EXP + "§7.8.4";
        // bit 0 (Undefined) and bit 26 (Poisoned TLP Egress Blocked) are not implemented
        Field[] uncor = {rsvdZ(3, 1), new Field("dl_protocol_error", 4, 4, FieldKind.RO), new Field("surprise_down", 5, 5, FieldKind.RO),
            rsvdZ(11, 6), new Field("poisoned_tlp_to_tlp_prefix_blocked", 25, 12, FieldKind.RO), rsvdZ(31, 27)};
        r.declare(Register.of("AER.UNCOR_STATUS", at + 0x04, 4, 0, src + ".2: Uncorrectable Error Status, RW1C", kinds(uncor, FieldKind.RW1C)));
        r.declare(Register.of("AER.UNCOR_MASK", at + 0x08, 4, 0, src + ".3: Uncorrectable Error Mask", kinds(uncor, FieldKind.RW)));
        r.declare(Register.of("AER.UNCOR_SEVERITY", at + 0x0C, 4, 0x0046_2030, src + ".4: Uncorrectable Error Severity (qxl_rp trace)",
                kinds(uncor, FieldKind.RW)));
        Field[] cor = {new Field("receiver_error", 0, 0, FieldKind.RO), rsvdZ(5, 1), new Field("bad_tlp", 6, 6, FieldKind.RO),
            new Field("bad_dllp", 7, 7, FieldKind.RO), new Field("replay_num_rollover", 8, 8, FieldKind.RO), rsvdZ(11, 9),
            new Field("replay_timer_timeout_to_header_log_overflow", 15, 12, FieldKind.RO), rsvdZ(31, 16)};
        r.declare(Register.of("AER.COR_STATUS", at + 0x10, 4, 0, src + ".5: Correctable Error Status, RW1C", kinds(cor, FieldKind.RW1C)));
        r.declare(Register.of("AER.COR_MASK", at + 0x14, 4, 0xE000, src + ".6: Correctable Error Mask (qxl_rp trace)", kinds(cor, FieldKind.RW)));
        r.declare(Register.of("AER.CAP_CONTROL", at + 0x18, 4, multipleHeaders ? 0x02A0 : 0x00A0, src + ".7: ECRC generation/check and multiple headers capable (qxl_rp "
                + "trace); Multiple Header Recording Enable not implemented", ro("first_error_pointer", 4, 0), ro("ecrc_generation_capable", 5),
                rw("ecrc_generation_en", 6), ro("ecrc_check_capable", 7), rw("ecrc_check_en", 8), ro("multiple_header_recording_capable", 9),
                ro("tlp_prefix_log_present", 11), ro("completion_timeout_prefix_header_log_capable", 12), rsvdP(31, 13)));
        for (int i = 0; i < 4; i++) {
            r.declare(Register.whole("AER.HEADER_LOG" + i, at + 0x1C + 4 * i, 4, FieldKind.RO, 0, src + ".8: Header Log"));
        }
        if (!root) {
            r.declare(Register.whole("AER.ROOT_COMMAND", at + 0x2C, 4, FieldKind.RO, 0, src + ".9: not a root port, 0"));
            r.declare(Register.whole("AER.ROOT_STATUS", at + 0x30, 4, FieldKind.RO, 0, src + ".10: not a root port, 0"));
            r.declare(Register.whole("AER.ERROR_SOURCE_ID", at + 0x34, 4, FieldKind.RO, 0, src + ".11: not a root port, 0"));
            return;
        }
        r.declare(Register.of("AER.ROOT_COMMAND", at + 0x2C, 4, 0, src + ".9: Root Error Command", rw("correctable_error_reporting_en", 0),
                rw("nonfatal_error_reporting_en", 1), rw("fatal_error_reporting_en", 2), rsvdP(31, 3)));
        r.declare(Register.of("AER.ROOT_STATUS", at + 0x30, 4, 0, src + ".10: Root Error Status, RW1C", rw1c("err_cor_received", 0),
                rw1c("multiple_err_cor_received", 1), rw1c("err_fatal_nonfatal_received", 2), rw1c("multiple_err_fatal_nonfatal_received", 3),
                rw1c("first_uncorrectable_fatal", 4), rw1c("nonfatal_error_messages_received", 5), rw1c("fatal_error_messages_received", 6),
                rsvdZ(26, 7), ro("advanced_error_interrupt_message_number", 31, 27)));
        r.declare(Register.whole("AER.ERROR_SOURCE_ID", at + 0x34, 4, FieldKind.RO, 0, src + ".11: Error Source Identification"));
        for (int i = 0; i < 4; i++) {
            r.declare(Register.whole("AER.TLP_PREFIX_LOG" + i, at + 0x38 + 4 * i, 4, FieldKind.RO, 0, src + ".12: TLP Prefix Log"));
        }
    }

    /** The same fields with the non-reserved ones of {@code kind}. */
    private static Field[] kinds(Field[] fields, FieldKind kind) {
        Field[] out = new Field[fields.length];
        for (int i = 0; i < fields.length; i++) {
            Field f = fields[i];
            out[i] = f.kind() == FieldKind.RSVDZ || f.kind() == FieldKind.RSVDP ? f : new Field(f.name(), f.msb(), f.lsb(), kind);
        }
        return out;
    }

    /** Access Control Services of a root port (§7.7.7) [inferred from QEMU pcie_acs_init: SV|TB|RR|CR|UF]. */
    static void acs(RegisterFile r, int at) {
        r.declare(Register.of("ACS.CAP", at + 4, 2, 0x5F, EXP + "§7.7.7.2: SV, TB, RR, CR, UF and Direct Translated P2P (QEMU 7.2 "
                + "pcie_acs_init; QEMU's own config dump at reset: 0x5f)", ro("source_validation", 0),
                ro("translation_blocking", 1), ro("p2p_request_redirect", 2), ro("p2p_completion_redirect", 3), ro("upstream_forwarding", 4),
                ro("p2p_egress_control", 5), ro("direct_translated_p2p", 6), rsvdP(7, 7), ro("egress_control_vector_size", 15, 8)));
        r.declare(Register.of("ACS.CONTROL", at + 6, 2, 0, EXP + "§7.7.7.3: the enables of the supported controls", rw("source_validation_en", 0),
                rw("translation_blocking_en", 1), rw("p2p_request_redirect_en", 2), rw("p2p_completion_redirect_en", 3),
                rw("upstream_forwarding_en", 4), ro("p2p_egress_control_en", 5), rw("direct_translated_p2p_en", 6), rsvdP(15, 7)));
    }
}
