fn main() {
    println!("pmsync-host");
}
