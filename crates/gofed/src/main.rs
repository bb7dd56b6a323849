//! The gofed command line.

fn main() {
    println!("gofed");
}
