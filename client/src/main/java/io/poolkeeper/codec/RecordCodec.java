package io.poolkeeper.codec;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.Sr;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.Vbd;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.Vdi;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.proto.HostRecord;
import io.poolkeeper.proto.PbdRecord;
import io.poolkeeper.proto.PoolRecord;
import io.poolkeeper.proto.SrRecord;
import io.poolkeeper.proto.VbdRecord;
import io.poolkeeper.proto.VdiRecord;
import io.poolkeeper.proto.VmRecord;
import java.time.Duration;
import java.util.TreeMap;

/**
 * The replicated objects and their snapshot records, field by field. Decoders refuse what the records cannot hold
 * (an id that is not a UUID, an unspecified required enum) with {@link IllegalArgumentException}; whether the objects
 * agree with each other is {@link io.poolkeeper.core.Invariants}' business, not the codec's.
 */
final class RecordCodec {
    private RecordCodec() {}

    static PoolRecord toProto(Pool pool) {
        return PoolRecord.newBuilder()
                .setUuid(pool.uuid().toString())
                .setNameLabel(pool.nameLabel())
                .setMaster(Wire.text(pool.master()))
                .setDefaultSr(Wire.text(pool.defaultSr()))
                .setGeneration(pool.generation())
                .setHaEnabled(pool.haEnabled())
                .setHaHostFailuresToTolerate(pool.haHostFailuresToTolerate())
                .setHaPlanExistsFor(pool.haPlanExistsFor())
                .setHaOvercommitted(pool.haOvercommitted())
                .setHaAllowOvercommit(pool.haAllowOvercommit())
                .setHaTimeoutMs(millis(pool.haTimeout()))
                .setMaxVoters(pool.maxVoters())
                .build();
    }

    static Pool pool(PoolRecord record) {
        return new Pool(
                Wire.id("pool.uuid", record.getUuid(), PoolId::new),
                record.getNameLabel(),
                Wire.optionalId("pool.master", record.getMaster(), HostId::new),
                Wire.optionalId("pool.default_sr", record.getDefaultSr(), SrId::new),
                record.getGeneration(),
                record.getHaEnabled(),
                record.getHaHostFailuresToTolerate(),
                record.getHaPlanExistsFor(),
                record.getHaOvercommitted(),
                record.getHaAllowOvercommit(),
                Duration.ofMillis(record.getHaTimeoutMs()),
                record.getMaxVoters());
    }

    static HostRecord toProto(Host host) {
        return HostRecord.newBuilder()
                .setUuid(host.uuid().toString())
                .setNameLabel(host.nameLabel())
                .setAddress(host.address())
                .setEnabled(host.enabled())
                .setLive(host.live())
                .setMemoryTotal(host.memoryTotal())
                .setRole(EnumCodec.toProto(host.role()))
                .build();
    }

    static Host host(HostRecord record) {
        return new Host(
                Wire.id("hosts.uuid", record.getUuid(), HostId::new),
                record.getNameLabel(),
                record.getAddress(),
                record.getEnabled(),
                record.getLive(),
                record.getMemoryTotal(),
                EnumCodec.hostRole("hosts.role", record.getRole()));
    }

    static VmRecord toProto(Vm vm) {
        return VmRecord.newBuilder()
                .setUuid(vm.uuid().toString())
                .setNameLabel(vm.nameLabel())
                .setPowerState(EnumCodec.toProto(vm.powerState()))
                .setResidentOn(Wire.text(vm.residentOn()))
                .setScheduledToBeResidentOn(Wire.text(vm.scheduledToBeResidentOn()))
                .setAffinity(Wire.text(vm.affinity()))
                .setMemory(vm.memory())
                .setVcpus(vm.vcpus())
                .setHaRestartPriority(EnumCodec.toProto(vm.haRestartPriority()))
                .setHaAlwaysRun(vm.haAlwaysRun())
                .setOrder(vm.order())
                .setCurrentOperation(EnumCodec.toProto(vm.currentOperation()))
                .build();
    }

    static Vm vm(VmRecord record) {
        return new Vm(
                Wire.id("vms.uuid", record.getUuid(), VmId::new),
                record.getNameLabel(),
                EnumCodec.powerState("vms.power_state", record.getPowerState()),
                Wire.optionalId("vms.resident_on", record.getResidentOn(), HostId::new),
                Wire.optionalId("vms.scheduled_to_be_resident_on", record.getScheduledToBeResidentOn(), HostId::new),
                Wire.optionalId("vms.affinity", record.getAffinity(), HostId::new),
                record.getMemory(),
                record.getVcpus(),
                EnumCodec.priority("vms.ha_restart_priority", record.getHaRestartPriority()),
                record.getHaAlwaysRun(),
                record.getOrder(),
                EnumCodec.optionalVmOperation("vms.current_operation", record.getCurrentOperation()));
    }

    static SrRecord toProto(Sr sr) {
        return SrRecord.newBuilder()
                .setUuid(sr.uuid().toString())
                .setNameLabel(sr.nameLabel())
                .setType(sr.type())
                .setShared(sr.shared())
                .build();
    }

    static Sr sr(SrRecord record) {
        return new Sr(
                Wire.id("srs.uuid", record.getUuid(), SrId::new),
                record.getNameLabel(),
                record.getType(),
                record.getShared());
    }

    static PbdRecord toProto(Pbd pbd) {
        return PbdRecord.newBuilder()
                .setUuid(pbd.uuid().toString())
                .setSr(pbd.sr().toString())
                .setHost(pbd.host().toString())
                .putAllDeviceConfig(pbd.deviceConfig())
                .setCurrentlyAttached(pbd.currentlyAttached())
                .build();
    }

    static Pbd pbd(PbdRecord record) {
        return new Pbd(
                Wire.id("pbds.uuid", record.getUuid(), PbdId::new),
                Wire.id("pbds.sr", record.getSr(), SrId::new),
                Wire.id("pbds.host", record.getHost(), HostId::new),
                new TreeMap<>(record.getDeviceConfigMap()),
                record.getCurrentlyAttached());
    }

    static VdiRecord toProto(Vdi vdi) {
        return VdiRecord.newBuilder()
                .setUuid(vdi.uuid().toString())
                .setSr(vdi.sr().toString())
                .setNameLabel(vdi.nameLabel())
                .setVirtualSize(vdi.virtualSize())
                .build();
    }

    static Vdi vdi(VdiRecord record) {
        return new Vdi(
                Wire.id("vdis.uuid", record.getUuid(), VdiId::new),
                Wire.id("vdis.sr", record.getSr(), SrId::new),
                record.getNameLabel(),
                record.getVirtualSize());
    }

    static VbdRecord toProto(Vbd vbd) {
        return VbdRecord.newBuilder()
                .setUuid(vbd.uuid().toString())
                .setVm(vbd.vm().toString())
                .setVdi(vbd.vdi().toString())
                .setDevice(vbd.device())
                .build();
    }

    static Vbd vbd(VbdRecord record) {
        return new Vbd(
                Wire.id("vbds.uuid", record.getUuid(), VbdId::new),
                Wire.id("vbds.vm", record.getVm(), VmId::new),
                Wire.id("vbds.vdi", record.getVdi(), VdiId::new),
                record.getDevice());
    }

    /** The wire keeps whole milliseconds; a finer or larger duration would not come back equal, so it is refused. */
    private static long millis(Duration duration) {
        long millis;
        try {
            millis = duration.toMillis();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("pool.ha_timeout out of range: " + duration, e);
        }
        if (!Duration.ofMillis(millis).equals(duration)) {
            throw new IllegalArgumentException("pool.ha_timeout is not a whole number of milliseconds: " + duration);
        }
        return millis;
    }
}
