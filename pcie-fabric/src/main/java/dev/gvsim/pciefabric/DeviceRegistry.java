package dev.gvsim.pciefabric;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeMap;

import dev.gvsim.simcore.ParamDef;

/**
 * The device types this build knows: every {@link DeviceType} registered with
 * {@link ServiceLoader} on the class path (the fabric's ports and bridges, each device module's
 * devices, and any a test or downstream project adds), looked up by {@code -device} driver name.
 * A driver name claimed by two types is an error at load time, not a silent choice.
 */
public final class DeviceRegistry {
    private final TreeMap<String, DeviceType> byDriver = new TreeMap<>();
    private final List<DeviceType> types;

    private DeviceRegistry(Iterable<DeviceType> all) {
        List<DeviceType> list = new ArrayList<>();
        for (DeviceType t : all) {
            for (String d : t.drivers()) {
                DeviceType old = byDriver.putIfAbsent(d, t);
                if (old != null) {
                    throw new IllegalStateException("device driver '" + d + "' is registered twice: by " + old.getClass().getName()
                            + " and " + t.getClass().getName());
                }
            }
            list.add(t);
        }
        list.sort((a, b) -> a.drivers().get(0).compareTo(b.drivers().get(0)));
        this.types = Collections.unmodifiableList(list);
    }

    private static volatile DeviceRegistry loaded;

    /** The types registered on the class path of this class (loaded once per JVM; the class path does not change). */
    public static DeviceRegistry load() {
        DeviceRegistry r = loaded;
        if (r == null) {
            r = new DeviceRegistry(ServiceLoader.load(DeviceType.class, DeviceRegistry.class.getClassLoader()));
            loaded = r;
        }
        return r;
    }

    /** A registry of exactly these types (tests). */
    public static DeviceRegistry of(List<DeviceType> types) {
        return new DeviceRegistry(types);
    }

    /** The type that builds {@code driver}, or null. */
    public DeviceType find(String driver) {
        return byDriver.get(driver);
    }

    /** Every driver name, sorted. */
    public List<String> drivers() {
        return List.copyOf(byDriver.keySet());
    }

    /** Every type, sorted by its first driver name. */
    public List<DeviceType> types() {
        return types;
    }

    /** The parameters of every type, in type order (a parameter two types share appears once). */
    public List<ParamDef> params() {
        List<ParamDef> out = new ArrayList<>();
        for (DeviceType t : types) {
            for (ParamDef p : t.params()) {
                if (!out.contains(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }
}
