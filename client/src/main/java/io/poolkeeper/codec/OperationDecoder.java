package io.poolkeeper.codec;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.Operation;
import io.poolkeeper.proto.HostSpec;
import io.poolkeeper.proto.PbdCreate;
import io.poolkeeper.proto.PbdPlacement;
import io.poolkeeper.proto.PoolCommand;
import io.poolkeeper.proto.PoolCreate;
import io.poolkeeper.proto.PoolImport;
import io.poolkeeper.proto.SrCreate;
import io.poolkeeper.proto.VbdCreate;
import io.poolkeeper.proto.VdiCreate;
import io.poolkeeper.proto.VmCompleteOperation;
import io.poolkeeper.proto.VmCreate;
import io.poolkeeper.proto.VmParamSet;
import io.poolkeeper.proto.VmStart;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads the body of a wire command into an {@link Operation}. Only the shape is checked here: ids must be UUIDs,
 * required enums must be set, a map must not name a key twice. Values the rules judge (memory, sizes, blank
 * strings) pass through untouched, so that the rules refuse them with their own codes.
 */
final class OperationDecoder {
    private OperationDecoder() {}

    /**
     * The operation of {@code proto}; an {@link Operation.Invalid} with {@link ErrorCode#UNKNOWN_OPERATION} for a body
     * this version does not know. {@link IllegalArgumentException}, naming the field, for a body that is malformed.
     */
    static Operation decode(PoolCommand proto) {
        return switch (proto.getBodyCase()) {
            case POOL_CREATE -> poolCreate(proto.getPoolCreate());
            case POOL_JOIN -> new Operation.PoolJoin(
                    hostSpec(
                            "pool_join.host",
                            proto.getPoolJoin().hasHost(),
                            proto.getPoolJoin().getHost()),
                    proto.getPoolJoin().getJoinTokenId());
            case POOL_JOIN_TOKEN_CREATE -> new Operation.PoolJoinTokenCreate(
                    proto.getPoolJoinTokenCreate().getId(),
                    proto.getPoolJoinTokenCreate().getSecretSha256(),
                    proto.getPoolJoinTokenCreate().getValidityMs());
            case POOL_JOIN_TOKEN_REVOKE -> new Operation.PoolJoinTokenRevoke(
                    proto.getPoolJoinTokenRevoke().getId());
            case POOL_EJECT -> new Operation.PoolEject(
                    host("pool_eject.host_uuid", proto.getPoolEject().getHostUuid()));
            case POOL_DESIGNATE_NEW_MASTER -> new Operation.PoolDesignateNewMaster(host(
                    "pool_designate_new_master.host_uuid",
                    proto.getPoolDesignateNewMaster().getHostUuid()));
            case POOL_PARAM_SET -> new Operation.PoolParamSet(
                    proto.getPoolParamSet().getKey(), proto.getPoolParamSet().getValue());
            case POOL_HA_ENABLE -> new Operation.PoolHaEnable(
                    proto.getPoolHaEnable().getTimeoutMs());
            case POOL_HA_DISABLE -> new Operation.PoolHaDisable();

            case HOST_FORGET -> new Operation.HostForget(
                    host("host_forget.host_uuid", proto.getHostForget().getHostUuid()));
            case HOST_DECLARE_DEAD -> new Operation.HostDeclareDead(host(
                    "host_declare_dead.host_uuid", proto.getHostDeclareDead().getHostUuid()));
            case HOST_ENABLE -> new Operation.HostEnable(
                    host("host_enable.host_uuid", proto.getHostEnable().getHostUuid()));
            case HOST_DISABLE -> new Operation.HostDisable(
                    host("host_disable.host_uuid", proto.getHostDisable().getHostUuid()));
            case HOST_EVACUATE -> new Operation.HostEvacuate(
                    host("host_evacuate.host_uuid", proto.getHostEvacuate().getHostUuid()));

            case VM_CREATE -> vmCreate(proto.getVmCreate());
            case VM_DESTROY -> new Operation.VmDestroy(
                    vm("vm_destroy.vm_uuid", proto.getVmDestroy().getVmUuid()));
            case VM_PARAM_SET -> vmParamSet(proto.getVmParamSet());
            case VM_START -> vmStart(proto.getVmStart());
            case VM_SHUTDOWN -> new Operation.VmShutdown(
                    vm("vm_shutdown.vm_uuid", proto.getVmShutdown().getVmUuid()),
                    proto.getVmShutdown().getForce());
            case VM_REBOOT -> new Operation.VmReboot(
                    vm("vm_reboot.vm_uuid", proto.getVmReboot().getVmUuid()),
                    proto.getVmReboot().getForce());
            case VM_SUSPEND -> new Operation.VmSuspend(
                    vm("vm_suspend.vm_uuid", proto.getVmSuspend().getVmUuid()));
            case VM_RESUME -> new Operation.VmResume(
                    vm("vm_resume.vm_uuid", proto.getVmResume().getVmUuid()),
                    Wire.optionalId("vm_resume.on", proto.getVmResume().getOn(), HostId::new));
            case VM_PAUSE -> new Operation.VmPause(
                    vm("vm_pause.vm_uuid", proto.getVmPause().getVmUuid()));
            case VM_UNPAUSE -> new Operation.VmUnpause(
                    vm("vm_unpause.vm_uuid", proto.getVmUnpause().getVmUuid()));
            case VM_MIGRATE -> new Operation.VmMigrate(
                    vm("vm_migrate.vm_uuid", proto.getVmMigrate().getVmUuid()),
                    host("vm_migrate.host_uuid", proto.getVmMigrate().getHostUuid()));
            case VM_COMPLETE_OPERATION -> vmComplete(proto.getVmCompleteOperation());
            case VM_RESET_POWERSTATE -> new Operation.VmResetPowerstate(
                    vm(
                            "vm_reset_powerstate.vm_uuid",
                            proto.getVmResetPowerstate().getVmUuid()),
                    proto.getVmResetPowerstate().getForce());

            case SR_CREATE -> srCreate(proto.getSrCreate());
            case SR_FORGET -> new Operation.SrForget(
                    Wire.id("sr_forget.sr_uuid", proto.getSrForget().getSrUuid(), SrId::new));
            case PBD_CREATE -> pbdCreate(proto.getPbdCreate());
            case PBD_PLUG -> new Operation.PbdPlug(
                    Wire.id("pbd_plug.pbd_uuid", proto.getPbdPlug().getPbdUuid(), PbdId::new));
            case PBD_UNPLUG -> new Operation.PbdUnplug(
                    Wire.id("pbd_unplug.pbd_uuid", proto.getPbdUnplug().getPbdUuid(), PbdId::new));
            case VDI_CREATE -> vdiCreate(proto.getVdiCreate());
            case VDI_DESTROY -> new Operation.VdiDestroy(
                    Wire.id("vdi_destroy.vdi_uuid", proto.getVdiDestroy().getVdiUuid(), VdiId::new));
            case VBD_CREATE -> vbdCreate(proto.getVbdCreate());
            case VBD_DESTROY -> new Operation.VbdDestroy(
                    Wire.id("vbd_destroy.vbd_uuid", proto.getVbdDestroy().getVbdUuid(), VbdId::new));

            case POOL_SET_MASTER -> new Operation.PoolSetMaster(
                    host("pool_set_master.host_uuid", proto.getPoolSetMaster().getHostUuid()));
            case HOST_SET_LIVE -> new Operation.HostSetLive(
                    host("host_set_live.host_uuid", proto.getHostSetLive().getHostUuid()),
                    proto.getHostSetLive().getLive());
            case POOL_IMPORT -> poolImport(proto.getPoolImport());
            case POOL_IMPORT_BEGIN -> new Operation.PoolImportBegin(
                    proto.getPoolImportBegin().getImportId(),
                    proto.getPoolImportBegin().getGeneration(),
                    host(
                            "pool_import_begin.master_uuid",
                            proto.getPoolImportBegin().getMasterUuid()),
                    proto.getPoolImportBegin().getChunks(),
                    proto.getPoolImportBegin().getObjects());
            case POOL_IMPORT_CHUNK -> poolImportChunk(proto.getPoolImportChunk());
            case POOL_IMPORT_COMMIT -> new Operation.PoolImportCommit(
                    proto.getPoolImportCommit().getImportId());
            case HOST_FENCED -> new Operation.HostFenced(
                    host("host_fenced.host_uuid", proto.getHostFenced().getHostUuid()));
            case POOL_ALERT -> new Operation.PoolAlert(
                    ErrorCode.fromName(proto.getPoolAlert().getCode()),
                    proto.getPoolAlert().getParamsList());
            case POOL_SET_HA_PLAN -> new Operation.PoolSetHaPlan(
                    proto.getPoolSetHaPlan().getPlanExistsFor(),
                    proto.getPoolSetHaPlan().getOvercommitted());

                // A body added by a newer version arrives as an unknown field: refuse it, never skip it.
            case BODY_NOT_SET -> unknown(proto);
        };
    }

    private static Operation unknown(PoolCommand proto) {
        var fields = proto.getUnknownFields().asMap().keySet();
        String detail = fields.isEmpty()
                ? "the command has no operation"
                : "the command's operation is unknown to this member (field " + fields + ")";
        return new Operation.Invalid(ErrorCode.UNKNOWN_OPERATION, detail);
    }

    private static Operation poolCreate(PoolCreate body) {
        return new Operation.PoolCreate(
                Wire.id("pool_create.pool_uuid", body.getPoolUuid(), PoolId::new),
                body.getNameLabel(),
                hostSpec("pool_create.master", body.hasMaster(), body.getMaster()),
                body.getMaxVoters());
    }

    private static Operation.HostSpec hostSpec(String field, boolean present, HostSpec spec) {
        if (!present) {
            throw new IllegalArgumentException(field + ": missing");
        }
        boolean witness =
                switch (spec.getRequestedRole()) {
                    case HOST_ROLE_UNSPECIFIED, VOTER -> false;
                    case WITNESS -> true;
                        // The pool makes a host a listener when voters are full; a host cannot ask for it.
                    default -> throw new IllegalArgumentException(
                            field + ".requested_role: " + spec.getRequestedRole() + " cannot be requested");
                };
        return new Operation.HostSpec(
                host(field + ".uuid", spec.getUuid()),
                spec.getNameLabel(),
                spec.getAddress(),
                spec.getMemoryTotal(),
                witness);
    }

    private static Operation vmCreate(VmCreate body) {
        return new Operation.VmCreate(
                vm("vm_create.vm_uuid", body.getVmUuid()),
                body.getNameLabel(),
                body.getMemory(),
                body.getVcpus(),
                Wire.optionalId("vm_create.affinity", body.getAffinity(), HostId::new),
                EnumCodec.priorityOrNone("vm_create.ha_restart_priority", body.getHaRestartPriority()),
                body.getOrder());
    }

    private static Operation vmParamSet(VmParamSet body) {
        return new Operation.VmParamSet(vm("vm_param_set.vm_uuid", body.getVmUuid()), body.getKey(), body.getValue());
    }

    private static Operation vmStart(VmStart body) {
        return new Operation.VmStart(
                vm("vm_start.vm_uuid", body.getVmUuid()),
                Wire.optionalId("vm_start.on", body.getOn(), HostId::new),
                body.getPaused());
    }

    private static Operation vmComplete(VmCompleteOperation body) {
        return new Operation.VmCompleteOperation(
                vm("vm_complete_operation.vm_uuid", body.getVmUuid()),
                EnumCodec.vmOperation("vm_complete_operation.operation", body.getOperation()),
                body.getSucceeded(),
                body.getStaleToken(),
                body.getMessage());
    }

    private static Operation srCreate(SrCreate body) {
        SortedMap<HostId, PbdId> pbds = new TreeMap<>();
        for (PbdPlacement placement : body.getPbdsList()) {
            HostId host = host("sr_create.pbds.host_uuid", placement.getHostUuid());
            PbdId pbd = Wire.id("sr_create.pbds.pbd_uuid", placement.getPbdUuid(), PbdId::new);
            if (pbds.putIfAbsent(host, pbd) != null) {
                // The operation holds one PBD per host; keeping either would silently drop the other.
                throw new IllegalArgumentException("sr_create.pbds: host " + host + " is listed twice");
            }
        }
        return new Operation.SrCreate(
                Wire.id("sr_create.sr_uuid", body.getSrUuid(), SrId::new),
                body.getNameLabel(),
                body.getType(),
                body.getShared(),
                new TreeMap<>(body.getDeviceConfigMap()),
                pbds);
    }

    private static Operation pbdCreate(PbdCreate body) {
        return new Operation.PbdCreate(
                Wire.id("pbd_create.pbd_uuid", body.getPbdUuid(), PbdId::new),
                Wire.id("pbd_create.sr_uuid", body.getSrUuid(), SrId::new),
                host("pbd_create.host_uuid", body.getHostUuid()),
                new TreeMap<>(body.getDeviceConfigMap()));
    }

    private static Operation vdiCreate(VdiCreate body) {
        return new Operation.VdiCreate(
                Wire.id("vdi_create.vdi_uuid", body.getVdiUuid(), VdiId::new),
                Wire.id("vdi_create.sr_uuid", body.getSrUuid(), SrId::new),
                body.getNameLabel(),
                body.getVirtualSize());
    }

    private static Operation vbdCreate(VbdCreate body) {
        return new Operation.VbdCreate(
                Wire.id("vbd_create.vbd_uuid", body.getVbdUuid(), VbdId::new),
                vm("vbd_create.vm_uuid", body.getVmUuid()),
                Wire.id("vbd_create.vdi_uuid", body.getVdiUuid(), VdiId::new),
                body.getDevice());
    }

    private static Operation poolImport(PoolImport body) {
        if (!body.hasState()) {
            throw new IllegalArgumentException("pool_import.state: missing");
        }
        io.poolkeeper.core.PoolState imported;
        try {
            imported = SnapshotCodec.decode(body.getState());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pool_import.state: " + e.getMessage(), e);
        }
        return new Operation.PoolImport(
                imported, body.getGeneration(), host("pool_import.master_uuid", body.getMasterUuid()));
    }

    private static Operation poolImportChunk(io.poolkeeper.proto.PoolImportChunk body) {
        if (!body.hasPart()) {
            throw new IllegalArgumentException("pool_import_chunk.part: missing");
        }
        io.poolkeeper.core.PoolState part;
        try {
            part = SnapshotCodec.decode(body.getPart());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pool_import_chunk.part: " + e.getMessage(), e);
        }
        return new Operation.PoolImportChunk(body.getImportId(), body.getIndex(), part);
    }

    private static HostId host(String field, String text) {
        return Wire.id(field, text, HostId::new);
    }

    private static VmId vm(String field, String text) {
        return Wire.id(field, text, VmId::new);
    }
}
