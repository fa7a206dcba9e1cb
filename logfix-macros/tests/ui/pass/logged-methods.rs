//! Methods taking `self` in every form; `self` is never logged. Trait default methods and trait
//! impls too.
use std::rc::Rc;

use logfix_runtime::logged;

struct Account {
    balance: i64,
}

impl Account {
    #[logged(component = "bank")]
    fn balance(&self) -> i64 {
        self.balance
    }

    #[logged(component = "bank")]
    fn deposit(&mut self, amount: i64) -> &mut Self {
        self.balance += amount;
        self
    }

    #[logged(component = "bank")]
    fn close(self) -> i64 {
        self.balance
    }

    #[logged(component = "bank")]
    fn boxed(self: Box<Self>, fee: i64) -> i64 {
        self.balance - fee
    }

    #[logged(component = "bank")]
    fn shared(self: &Rc<Self>) -> i64 {
        self.balance
    }

    #[logged(component = "bank")]
    fn open(balance: i64) -> Self {
        Self { balance }
    }
}

trait Audit {
    #[logged(component = "audit")]
    fn audit(&self, reason: &str) -> bool {
        !reason.is_empty()
    }

    fn id(&self) -> u64;
}

impl Audit for Account {
    #[logged(component = "audit")]
    fn id(&self) -> u64 {
        7
    }
}

fn main() {
    let mut account = Account::open(1);
    account.deposit(2).deposit(3);
    assert_eq!(account.balance(), 6);
    assert!(account.audit("yearly"));
    assert_eq!(account.id(), 7);
    assert_eq!(Rc::new(Account::open(2)).shared(), 2);
    assert_eq!(Box::new(Account::open(5)).boxed(1), 4);
    assert_eq!(account.close(), 6);
}
