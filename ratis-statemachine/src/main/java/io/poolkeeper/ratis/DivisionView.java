package io.poolkeeper.ratis;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.port.LogPosition;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;

/**
 * What this member's Raft division of one group says about the group: its leader, configuration, log position and
 * progress. Without a division (no group, or the division not there yet or any more), and when Raft fails to answer,
 * every answer is "none": status pages, metrics and the HA loop poll these and must not fail for it.
 *
 * @param division the division, if there is one
 */
record DivisionView(Optional<RaftServer.Division> division) {

    /** The division of group {@code id} on {@code server}; either may be null (no server, no group). */
    static DivisionView of(RaftServer server, RaftGroupId id) {
        if (server == null || id == null) {
            return new DivisionView(Optional.empty());
        }
        try {
            return new DivisionView(Optional.of(server.getDivision(id)));
        } catch (IOException | RuntimeException e) {
            return new DivisionView(Optional.empty());
        }
    }

    /** The leader as this division knows it. */
    Optional<HostId> leaderId() {
        return division.flatMap(d -> {
            try {
                RaftPeerId id = d.getInfo().getLeaderId();
                return id == null ? Optional.empty() : Optional.of(HostId.of(id.toString()));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        });
    }

    /** The group's configuration. */
    Optional<RaftConfiguration> configuration() {
        return division.map(RaftServer.Division::getRaftConf);
    }

    /** The hosts of the current configuration: voters, then listeners. */
    List<HostId> peers() {
        Optional<RaftConfiguration> conf = configuration();
        if (conf.isEmpty()) {
            return List.of();
        }
        List<HostId> out = new ArrayList<>();
        conf.get()
                .getCurrentPeers(RaftPeerRole.FOLLOWER)
                .forEach(p -> out.add(HostId.of(p.getId().toString())));
        conf.get()
                .getCurrentPeers(RaftPeerRole.LISTENER)
                .forEach(p -> out.add(HostId.of(p.getId().toString())));
        return out;
    }

    /** The voters of the current configuration. */
    List<HostId> voters() {
        return configuration()
                .map(c -> c.getCurrentPeers(RaftPeerRole.FOLLOWER).stream()
                        .map(p -> HostId.of(p.getId().toString()))
                        .toList())
                .orElse(List.of());
    }

    /** The place of the last entry of this division's log, committed or not; {@link LogPosition#NONE} without one. */
    LogPosition logPosition() {
        try {
            TermIndex last =
                    division.map(d -> d.getRaftLog().getLastEntryTermIndex()).orElse(null);
            return last == null ? LogPosition.NONE : new LogPosition(last.getTerm(), last.getIndex());
        } catch (RuntimeException e) {
            return LogPosition.NONE;
        }
    }

    /** Raft's numbers of the group as this division has them. */
    Optional<RaftGroups.Progress> progress() {
        try {
            return division.map(d -> new RaftGroups.Progress(
                    d.getInfo().getCurrentTerm(),
                    d.getRaftLog().getLastCommittedIndex(),
                    d.getInfo().getLastAppliedIndex()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
