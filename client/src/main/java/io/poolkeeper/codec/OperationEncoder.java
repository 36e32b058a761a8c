package io.poolkeeper.codec;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.core.Operation;
import io.poolkeeper.proto.HostDeclareDead;
import io.poolkeeper.proto.HostDisable;
import io.poolkeeper.proto.HostEnable;
import io.poolkeeper.proto.HostEvacuate;
import io.poolkeeper.proto.HostForget;
import io.poolkeeper.proto.HostRole;
import io.poolkeeper.proto.HostSetLive;
import io.poolkeeper.proto.HostSpec;
import io.poolkeeper.proto.PbdCreate;
import io.poolkeeper.proto.PbdPlacement;
import io.poolkeeper.proto.PbdPlug;
import io.poolkeeper.proto.PbdUnplug;
import io.poolkeeper.proto.PoolCommand;
import io.poolkeeper.proto.PoolCreate;
import io.poolkeeper.proto.PoolDesignateNewMaster;
import io.poolkeeper.proto.PoolEject;
import io.poolkeeper.proto.PoolHaDisable;
import io.poolkeeper.proto.PoolHaEnable;
import io.poolkeeper.proto.PoolImport;
import io.poolkeeper.proto.PoolJoin;
import io.poolkeeper.proto.PoolParamSet;
import io.poolkeeper.proto.PoolSetMaster;
import io.poolkeeper.proto.SrCreate;
import io.poolkeeper.proto.SrForget;
import io.poolkeeper.proto.VbdCreate;
import io.poolkeeper.proto.VbdDestroy;
import io.poolkeeper.proto.VdiCreate;
import io.poolkeeper.proto.VdiDestroy;
import io.poolkeeper.proto.VmCompleteOperation;
import io.poolkeeper.proto.VmCreate;
import io.poolkeeper.proto.VmDestroy;
import io.poolkeeper.proto.VmMigrate;
import io.poolkeeper.proto.VmParamSet;
import io.poolkeeper.proto.VmPause;
import io.poolkeeper.proto.VmReboot;
import io.poolkeeper.proto.VmResetPowerstate;
import io.poolkeeper.proto.VmResume;
import io.poolkeeper.proto.VmShutdown;
import io.poolkeeper.proto.VmStart;
import io.poolkeeper.proto.VmSuspend;
import io.poolkeeper.proto.VmUnpause;
import java.util.Map;

/** Writes an {@link Operation} into the body of a wire command. The inverse of {@link OperationDecoder}. */
final class OperationEncoder {
    private OperationEncoder() {}

    /** Sets the body of {@code out}; {@link IllegalArgumentException} for an {@link Operation.Invalid}. */
    static void encode(Operation operation, PoolCommand.Builder out) {
        // Java 17 has no pattern switch; one branch per record of the sealed interface, area by area as in the proto.
        if (operation instanceof Operation.PoolCreate op) {
            out.setPoolCreate(PoolCreate.newBuilder()
                    .setPoolUuid(op.pool().toString())
                    .setNameLabel(op.nameLabel())
                    .setMaster(hostSpec(op.master()))
                    .setMaxVoters(op.maxVoters()));
        } else if (operation instanceof Operation.PoolJoin op) {
            out.setPoolJoin(PoolJoin.newBuilder().setHost(hostSpec(op.host())).setJoinTokenId(op.joinTokenId()));
        } else if (operation instanceof Operation.PoolJoinTokenCreate op) {
            out.setPoolJoinTokenCreate(io.poolkeeper.proto.PoolJoinTokenCreate.newBuilder()
                    .setId(op.id())
                    .setSecretSha256(op.secretSha256())
                    .setValidityMs(op.validityMillis()));
        } else if (operation instanceof Operation.PoolJoinTokenRevoke op) {
            out.setPoolJoinTokenRevoke(
                    io.poolkeeper.proto.PoolJoinTokenRevoke.newBuilder().setId(op.id()));
        } else if (operation instanceof Operation.PoolEject op) {
            out.setPoolEject(PoolEject.newBuilder().setHostUuid(op.host().toString()));
        } else if (operation instanceof Operation.PoolDesignateNewMaster op) {
            out.setPoolDesignateNewMaster(
                    PoolDesignateNewMaster.newBuilder().setHostUuid(op.host().toString()));
        } else if (operation instanceof Operation.PoolParamSet op) {
            out.setPoolParamSet(PoolParamSet.newBuilder().setKey(op.key()).setValue(op.value()));
        } else if (operation instanceof Operation.PoolHaEnable op) {
            out.setPoolHaEnable(PoolHaEnable.newBuilder().setTimeoutMs(op.timeoutMillis()));
        } else if (operation instanceof Operation.PoolHaDisable) {
            out.setPoolHaDisable(PoolHaDisable.getDefaultInstance());
        } else if (operation instanceof Operation.HostForget op) {
            out.setHostForget(HostForget.newBuilder().setHostUuid(op.host().toString()));
        } else if (operation instanceof Operation.HostDeclareDead op) {
            out.setHostDeclareDead(
                    HostDeclareDead.newBuilder().setHostUuid(op.host().toString()));
        } else if (operation instanceof Operation.HostEnable op) {
            out.setHostEnable(HostEnable.newBuilder().setHostUuid(op.host().toString()));
        } else if (operation instanceof Operation.HostDisable op) {
            out.setHostDisable(HostDisable.newBuilder().setHostUuid(op.host().toString()));
        } else if (operation instanceof Operation.HostEvacuate op) {
            out.setHostEvacuate(HostEvacuate.newBuilder().setHostUuid(op.host().toString()));
        } else if (!encodeVm(operation, out) && !encodeStorage(operation, out) && !encodeInternal(operation, out)) {
            if (operation instanceof Operation.Invalid invalid) {
                throw new IllegalArgumentException(
                        "an invalid command cannot be encoded: " + invalid.code() + " " + invalid.detail());
            }
            throw new IllegalArgumentException(
                    "no wire form for " + operation.getClass().getName());
        }
    }

    private static boolean encodeVm(Operation operation, PoolCommand.Builder out) {
        if (operation instanceof Operation.VmCreate op) {
            out.setVmCreate(VmCreate.newBuilder()
                    .setVmUuid(op.vm().toString())
                    .setNameLabel(op.nameLabel())
                    .setMemory(op.memory())
                    .setVcpus(op.vcpus())
                    .setAffinity(Wire.text(op.affinity()))
                    .setHaRestartPriority(EnumCodec.toProto(op.haRestartPriority()))
                    .setOrder(op.order()));
        } else if (operation instanceof Operation.VmDestroy op) {
            out.setVmDestroy(VmDestroy.newBuilder().setVmUuid(op.vm().toString()));
        } else if (operation instanceof Operation.VmParamSet op) {
            out.setVmParamSet(VmParamSet.newBuilder()
                    .setVmUuid(op.vm().toString())
                    .setKey(op.key())
                    .setValue(op.value()));
        } else if (operation instanceof Operation.VmStart op) {
            out.setVmStart(VmStart.newBuilder()
                    .setVmUuid(op.vm().toString())
                    .setOn(Wire.text(op.on()))
                    .setPaused(op.paused()));
        } else if (operation instanceof Operation.VmShutdown op) {
            out.setVmShutdown(
                    VmShutdown.newBuilder().setVmUuid(op.vm().toString()).setForce(op.force()));
        } else if (operation instanceof Operation.VmReboot op) {
            out.setVmReboot(VmReboot.newBuilder().setVmUuid(op.vm().toString()).setForce(op.force()));
        } else if (operation instanceof Operation.VmSuspend op) {
            out.setVmSuspend(VmSuspend.newBuilder().setVmUuid(op.vm().toString()));
        } else if (operation instanceof Operation.VmResume op) {
            out.setVmResume(VmResume.newBuilder().setVmUuid(op.vm().toString()).setOn(Wire.text(op.on())));
        } else if (operation instanceof Operation.VmPause op) {
            out.setVmPause(VmPause.newBuilder().setVmUuid(op.vm().toString()));
        } else if (operation instanceof Operation.VmUnpause op) {
            out.setVmUnpause(VmUnpause.newBuilder().setVmUuid(op.vm().toString()));
        } else if (operation instanceof Operation.VmMigrate op) {
            out.setVmMigrate(VmMigrate.newBuilder()
                    .setVmUuid(op.vm().toString())
                    .setHostUuid(op.host().toString()));
        } else if (operation instanceof Operation.VmCompleteOperation op) {
            out.setVmCompleteOperation(VmCompleteOperation.newBuilder()
                    .setVmUuid(op.vm().toString())
                    .setOperation(EnumCodec.toProto(op.operation()))
                    .setSucceeded(op.succeeded())
                    .setStaleToken(op.staleToken())
                    .setMessage(op.message()));
        } else if (operation instanceof Operation.VmResetPowerstate op) {
            out.setVmResetPowerstate(
                    VmResetPowerstate.newBuilder().setVmUuid(op.vm().toString()).setForce(op.force()));
        } else {
            return false;
        }
        return true;
    }

    private static boolean encodeStorage(Operation operation, PoolCommand.Builder out) {
        if (operation instanceof Operation.SrCreate op) {
            SrCreate.Builder sr = SrCreate.newBuilder()
                    .setSrUuid(op.sr().toString())
                    .setNameLabel(op.nameLabel())
                    .setType(op.type())
                    .setShared(op.shared())
                    .putAllDeviceConfig(op.deviceConfig());
            for (Map.Entry<HostId, PbdId> pbd : op.pbds().entrySet()) {
                sr.addPbds(PbdPlacement.newBuilder()
                        .setPbdUuid(pbd.getValue().toString())
                        .setHostUuid(pbd.getKey().toString()));
            }
            out.setSrCreate(sr);
        } else if (operation instanceof Operation.SrForget op) {
            out.setSrForget(SrForget.newBuilder().setSrUuid(op.sr().toString()));
        } else if (operation instanceof Operation.PbdCreate op) {
            out.setPbdCreate(PbdCreate.newBuilder()
                    .setPbdUuid(op.pbd().toString())
                    .setSrUuid(op.sr().toString())
                    .setHostUuid(op.host().toString())
                    .putAllDeviceConfig(op.deviceConfig()));
        } else if (operation instanceof Operation.PbdPlug op) {
            out.setPbdPlug(PbdPlug.newBuilder().setPbdUuid(op.pbd().toString()));
        } else if (operation instanceof Operation.PbdUnplug op) {
            out.setPbdUnplug(PbdUnplug.newBuilder().setPbdUuid(op.pbd().toString()));
        } else if (operation instanceof Operation.VdiCreate op) {
            out.setVdiCreate(VdiCreate.newBuilder()
                    .setVdiUuid(op.vdi().toString())
                    .setSrUuid(op.sr().toString())
                    .setNameLabel(op.nameLabel())
                    .setVirtualSize(op.virtualSize()));
        } else if (operation instanceof Operation.VdiDestroy op) {
            out.setVdiDestroy(VdiDestroy.newBuilder().setVdiUuid(op.vdi().toString()));
        } else if (operation instanceof Operation.VbdCreate op) {
            out.setVbdCreate(VbdCreate.newBuilder()
                    .setVbdUuid(op.vbd().toString())
                    .setVmUuid(op.vm().toString())
                    .setVdiUuid(op.vdi().toString())
                    .setDevice(op.device()));
        } else if (operation instanceof Operation.VbdDestroy op) {
            out.setVbdDestroy(VbdDestroy.newBuilder().setVbdUuid(op.vbd().toString()));
        } else {
            return false;
        }
        return true;
    }

    private static boolean encodeInternal(Operation operation, PoolCommand.Builder out) {
        if (operation instanceof Operation.PoolSetMaster op) {
            out.setPoolSetMaster(
                    PoolSetMaster.newBuilder().setHostUuid(op.host().toString()));
        } else if (operation instanceof Operation.PoolAlert op) {
            out.setPoolAlert(io.poolkeeper.proto.PoolAlert.newBuilder()
                    .setCode(op.code().name())
                    .addAllParams(op.params()));
        } else if (operation instanceof Operation.PoolSetHaPlan op) {
            out.setPoolSetHaPlan(io.poolkeeper.proto.PoolSetHaPlan.newBuilder()
                    .setPlanExistsFor(op.planExistsFor())
                    .setOvercommitted(op.overcommitted()));
        } else if (operation instanceof Operation.HostFenced op) {
            out.setHostFenced(io.poolkeeper.proto.HostFenced.newBuilder()
                    .setHostUuid(op.host().toString()));
        } else if (operation instanceof Operation.HostSetLive op) {
            out.setHostSetLive(
                    HostSetLive.newBuilder().setHostUuid(op.host().toString()).setLive(op.live()));
        } else if (operation instanceof Operation.PoolImport op) {
            // The imported state is not a snapshot of this log, so it reflects no index of it.
            out.setPoolImport(PoolImport.newBuilder()
                    .setState(SnapshotCodec.encode(op.imported(), 0))
                    .setGeneration(op.generation())
                    .setMasterUuid(op.master().toString()));
        } else if (operation instanceof Operation.PoolImportBegin op) {
            out.setPoolImportBegin(io.poolkeeper.proto.PoolImportBegin.newBuilder()
                    .setImportId(op.importId())
                    .setGeneration(op.generation())
                    .setMasterUuid(op.master().toString())
                    .setChunks(op.chunks())
                    .setObjects(op.objects()));
        } else if (operation instanceof Operation.PoolImportChunk op) {
            out.setPoolImportChunk(io.poolkeeper.proto.PoolImportChunk.newBuilder()
                    .setImportId(op.importId())
                    .setIndex(op.index())
                    .setPart(SnapshotCodec.encode(op.part(), 0)));
        } else if (operation instanceof Operation.PoolImportCommit op) {
            out.setPoolImportCommit(
                    io.poolkeeper.proto.PoolImportCommit.newBuilder().setImportId(op.importId()));
        } else {
            return false;
        }
        return true;
    }

    private static HostSpec hostSpec(Operation.HostSpec spec) {
        return HostSpec.newBuilder()
                .setUuid(spec.uuid().toString())
                .setNameLabel(spec.nameLabel())
                .setAddress(spec.address())
                .setMemoryTotal(spec.memoryTotal())
                .setRequestedRole(spec.witness() ? HostRole.WITNESS : HostRole.VOTER)
                .build();
    }
}
