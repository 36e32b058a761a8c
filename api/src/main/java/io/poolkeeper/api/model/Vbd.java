package io.poolkeeper.api.model;

import java.util.Objects;

/**
 * A virtual block device: a VDI attached to a VM (XenAPI {@code VBD}). Immutable value.
 *
 * @param uuid its id
 * @param vm the VM
 * @param vdi the disk
 * @param device the device name in the guest ({@code xvda}, {@code 0}, ...), unique per VM
 */
public record Vbd(VbdId uuid, VmId vm, VdiId vdi, String device) {
    public Vbd {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(vdi, "vdi");
        Objects.requireNonNull(device, "device");
    }
}
