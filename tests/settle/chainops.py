"""Small actions on a deployment for tests: time, prices, payments."""

from __future__ import annotations

from indexer.chain.accounts import dev_account
from indexer.chain.wallet import Sender
from tests.conftest import Deployed
from indexer.chain.contracts import bind


class Ops:
    def __init__(self, deployed: Deployed) -> None:
        self.w3 = deployed.w3
        self.d = bind(deployed.w3, deployed.manifest)
        self.m = deployed.manifest

    def now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def advance_to(self, t: int) -> None:
        now = self.now()
        if t > now:
            self.w3.provider.make_request("evm_increaseTime", [t - now])
            self.w3.provider.make_request("evm_mine", [])

    def end_epoch(self, epoch: int) -> None:
        # A second past the end: anvil stamps the blocks after this one with the same second until its clock
        # moves, and a price posted at the end itself would still be the ended epoch's (`price_at(end)`).
        self.advance_to(self.m.epochs.end(epoch) + 1)

    def post_price(self, price: int = 50_000_000) -> None:
        Sender(self.d.rpc, dev_account(0), 31337).call(self.d.price_feed.functions.post_price(price), "post_price")

    def pay(self, customer: int, amount: int) -> None:
        s = Sender(self.d.rpc, dev_account(customer), 31337)
        s.call(self.d.payment_token.functions.faucet(amount), "faucet")
        s.call(self.d.payment_token.functions.approve(self.d.payment_gateway.address, amount), "approve")
        s.call(self.d.payment_gateway.functions.pay(amount, b"\x07" * 32), "pay")

    def next_epoch(self) -> int:
        return self.d.reward_distributor.functions.next_epoch().call()
