"""The node set: order, identity by endpoint, states."""

from __future__ import annotations

from routing_sim import endpoint

from qdpool.routing.nodes import ACTIVE, DRAINING, EJECTED, STARTING, NodeSet


def test_nodes_keep_the_order_they_became_known_and_one_node_per_endpoint() -> None:
    nodes = NodeSet()
    first = nodes.add(endpoint(0))
    second = nodes.add(endpoint(1), peer_id=7, static=False)
    assert nodes.add(endpoint(0)) is first
    assert nodes.add(endpoint(0), peer_id=3) is first and first.peer_id == 3
    assert list(nodes) == [first, second] and len(nodes) == 2
    assert endpoint(1) in nodes and nodes.get(endpoint(2)) is None
    assert first.static and not second.static


def test_a_new_node_starts_in_starting_and_states_filter() -> None:
    nodes = NodeSet()
    made = [nodes.add(endpoint(i)) for i in range(4)]
    assert all(n.state == STARTING for n in made)
    made[0].state, made[1].state, made[2].state = ACTIVE, EJECTED, DRAINING
    assert nodes.in_state(ACTIVE, EJECTED) == made[:2]
    nodes.remove(made[2])
    assert list(nodes) == [made[0], made[1], made[3]]
    assert "127.0.0.1:6333/6334" in repr(made[0]) and "active" in repr(made[0])
